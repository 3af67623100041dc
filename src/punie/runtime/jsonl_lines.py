"""Reading append-only JSONL files that a crash may have cut short."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class BadLine(ValueError):
    def __init__(self, number: int, message: str) -> None:
        super().__init__(message)
        self.number = number


def complete_records(
    path: Path, parse: Callable[[Any], T], on_torn: Callable[[int], None] | None = None
) -> list[T]:
    """`parse` of every non-blank line. A last line that does not parse (a writer killed mid-line)
    is dropped, and `on_torn` hears its number; any other bad line raises `BadLine`."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(parse(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if number == len(lines):
                if on_torn is not None:
                    on_torn(number)
                break
            raise BadLine(number, f"{type(exc).__name__}: {exc}") from None
    return records
