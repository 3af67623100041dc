import json
from pathlib import Path

import pytest

from punie.training.benchmark import create_dummy_dataset


def test_writes_three_splits_with_a_structured_tool_call(tmp_path: Path) -> None:
    create_dummy_dataset(tmp_path / "bench", num_examples=5)
    for split in ("train", "valid", "test"):
        rows = [json.loads(line) for line in (tmp_path / "bench" / f"{split}.jsonl").read_text().splitlines()]
        assert len(rows) == 5
        assert all(row["messages"][-1]["role"] == "assistant" for row in rows)
        tool_rows = [row for row in rows if "tools" in row]
        assert tool_rows, "at least one example must exercise the tools template"
        call = tool_rows[0]["messages"][-1]["tool_calls"][0]["function"]
        assert call["name"] in {t["function"]["name"] for t in tool_rows[0]["tools"]}
        assert "<tool_call>" not in json.dumps(rows)  # calls are structured, never text


def test_rejects_zero_examples(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        create_dummy_dataset(tmp_path, num_examples=0)
