"""`results.jsonl`: one line per finished prompt, appended as it finishes, read back for --resume."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.eval.response import ModelResponse
from punie.eval.score import EvalResult


@dataclass(frozen=True)
class Recorded:
    prompt_id: str
    suite_hash: str
    response: ModelResponse
    result: EvalResult

    def to_line(self) -> str:
        record: dict[str, Any] = {
            "prompt_id": self.prompt_id,
            "suite_hash": self.suite_hash,
            "response": self.response.to_dict(),
            "result": self.result.to_dict(),
        }
        return json.dumps(record, ensure_ascii=False) + "\n"


def read_results(path: Path) -> list[Recorded]:
    """Every complete line. A torn last line (a crash mid-write) is dropped; other bad lines are errors."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            records.append(
                Recorded(
                    data["prompt_id"],
                    data["suite_hash"],
                    ModelResponse.from_dict(data["response"]),
                    EvalResult.from_dict(data["result"]),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            if number == len(lines):
                break
            field = exc.args[0] if isinstance(exc, KeyError) else "line"
            raise UsageError(f"{path}:{number}: {field}: not a punie result record ({exc})") from None
    return records


def append_result(path: Path, record: Recorded) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(record.to_line())
        handle.flush()
