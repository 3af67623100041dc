"""Collect real answers to BFCL multi-turn entries from `punie eval` runs into the agreement
test's data (tests/agreement/data/multi_turn_model_outputs.json), as BFCL holds a model's answer:
per user turn, per model turn, the calls as Python call strings.

    uv run python benchmarks/multi_turn_model_outputs.py NAME=RUN_DIR [NAME=RUN_DIR ...]

NAME labels the model (and adapter) of that run; RUN_DIR holds its results.jsonl. Entries
already in the file keep their other runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.agreement.bfcl_multi_turn_cases import MODEL_OUTPUTS, plain_call

from punie.eval.response import RecordedResponse


def call_text(name: str, arguments: dict[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})"


def answer(response: RecordedResponse, turns: int) -> list[list[list[str]]]:
    out: list[list[list[str]]] = [[] for _ in range(turns)]
    for turn in response.turns:
        calls = [call_text(c.name, dict(c.arguments)) for c in turn.parsed().calls]
        if calls and turn.user_turn < turns:
            out[turn.user_turn].append(calls)
    return out


def main() -> None:
    data: dict[str, dict[str, Any]] = (
        json.loads(MODEL_OUTPUTS.read_text(encoding="utf-8")) if MODEL_OUTPUTS.is_file() else {}
    )
    for spec in sys.argv[1:]:
        name, _, run = spec.partition("=")
        for line in (Path(run) / "results.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            result = record["result"]
            if not result.get("turns") or result.get("failure") in ("timeout", "server_error", "crashed"):
                continue
            made = answer(RecordedResponse.from_dict(record["response"]), len(result["turns"]))
            if all(plain_call(c) for turn in made for step in turn for c in step):
                data.setdefault(record["prompt_id"], {})[name] = made
    MODEL_OUTPUTS.parent.mkdir(parents=True, exist_ok=True)
    MODEL_OUTPUTS.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{MODEL_OUTPUTS}: {len(data)} entries, {sum(len(v) for v in data.values())} answers")


if __name__ == "__main__":
    main()
