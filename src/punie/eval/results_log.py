"""`results.jsonl`: one line per finished prompt, appended as it finishes, read back for --resume."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.eval.response import RecordedResponse
from punie.eval.score import EvalResult
from punie.runtime.jsonl_lines import BadLine, complete_records


@dataclass(frozen=True)
class Recorded:
    prompt_id: str
    suite_hash: str
    response: RecordedResponse
    result: EvalResult

    def to_line(self) -> str:
        record: dict[str, Any] = {
            "prompt_id": self.prompt_id,
            "suite_hash": self.suite_hash,
            "response": self.response.to_dict(),
            "result": self.result.to_dict(),
        }
        # ASCII escapes: a model's text may hold a lone surrogate, which UTF-8 cannot write
        return json.dumps(record) + "\n"


def _record(data: dict[str, Any]) -> Recorded:
    return Recorded(
        data["prompt_id"],
        data["suite_hash"],
        RecordedResponse.from_dict(data["response"]),
        EvalResult.from_dict(data["result"]),
    )


def read_results(path: Path, on_torn: Callable[[int], None] | None = None) -> list[Recorded]:
    """Every complete line. A torn last line (a crash mid-write) is dropped and `on_torn` hears its
    number; other bad lines are errors."""
    try:
        return complete_records(path, _record, on_torn)
    except BadLine as exc:
        raise UsageError(f"{path}:{exc.number}: record: not a punie result record ({exc})") from None


def append_result(path: Path, record: Recorded) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(record.to_line())
        handle.flush()
