"""The dataset commands end to end, and a corpus of malformed datasets: file:line, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.data.jsonl_io import dataset_hash
from tests.helpers import run_punie

pytestmark = pytest.mark.integration

GOOD = json.dumps(
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "read_file",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
            },
        },
    }
]


def _row(*messages: dict, tools: list | None = None) -> str:
    return json.dumps({"messages": list(messages), **({"tools": tools} if tools else {})})


CALL = {
    "role": "assistant",
    "content": "",
    "tool_calls": [{"function": {"name": "read_file", "arguments": {"path": 1}}}],
}
MALFORMED = {
    "bad_json": ("{not json", "train.jsonl:2: invalid JSON"),
    "unknown_role": (
        _row({"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}),
        "train.jsonl:2: messages[0].role: unknown role",
    ),
    "last_not_assistant": (
        _row({"role": "user", "content": "x"}),
        "train.jsonl:2: messages[0].role: the last message must be from the assistant",
    ),
    "unknown_tool": (
        _row(
            {"role": "user", "content": "x"},
            {**CALL, "tool_calls": [{"function": {"name": "rm", "arguments": {}}}]},
            tools=TOOLS,
        ),
        "train.jsonl:2: messages[1].tool_calls[0].function.name: calls 'rm'",
    ),
    "schema": (
        _row({"role": "user", "content": "x"}, CALL, tools=TOOLS),
        "train.jsonl:2: messages[1].tool_calls[0].function.arguments.path: expected string",
    ),
    "orphan_tool": (
        _row(
            {"role": "user", "content": "x"},
            {"role": "tool", "content": "r"},
            {"role": "assistant", "content": "y"},
        ),
        "train.jsonl:2: messages[1]: a 'tool' message with no assistant tool call before it",
    ),
    "not_object": ("[1, 2]", "train.jsonl:2: each line must be a JSON object"),
    "binary": ("\x00\x01\x02", "train.jsonl:2: invalid JSON"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_corpus(case: str, tmp_path: Path, serve_model_dir: Path) -> None:
    line, needle = MALFORMED[case]
    (tmp_path / "train.jsonl").write_text(GOOD + "\n" + line + "\n")
    (tmp_path / "valid.jsonl").write_text(GOOD + "\n")
    result = run_punie("dataset", "validate", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert needle in result.stderr.replace(str(tmp_path) + "/", "")
    assert "Traceback" not in result.stderr + result.stdout


def test_empty_split_and_missing_dir(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(GOOD + "\n")
    (tmp_path / "valid.jsonl").write_text("")
    result = run_punie("dataset", "validate", str(tmp_path))
    assert result.returncode == 2 and "valid.jsonl: empty split" in result.stderr
    missing = run_punie("dataset", "validate", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such directory" in missing.stderr


def test_text_tool_call_is_a_warning_with_exit_0(tmp_path: Path) -> None:
    text_call = _row(
        {"role": "user", "content": "read a"},
        {
            "role": "assistant",
            "content": '<tool_call>{"name": "read_file", "arguments": {"path": "a"}}</tool_call>',
        },
    )
    (tmp_path / "train.jsonl").write_text(text_call + "\n")
    (tmp_path / "valid.jsonl").write_text(GOOD + "\n")
    result = run_punie("dataset", "validate", str(tmp_path))
    assert result.returncode == 0
    assert "train.jsonl:1: messages[1].content: looks like a tool call written as text" in result.stderr


def test_too_long_for_max_seq_length(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(GOOD + "\n")
    (tmp_path / "valid.jsonl").write_text(GOOD + "\n")
    result = run_punie("dataset", "validate", str(tmp_path), "--max-seq-length", "10")
    assert result.returncode == 2 and "longer than --max-seq-length 10" in result.stderr


def test_generate_then_every_command_writes_new_dirs(tmp_path: Path) -> None:
    tc = tmp_path / "tc"
    assert (
        run_punie(
            "dataset", "generate", "tool-calling", "--n", "40", "--seed", "1", "--output", str(tc)
        ).returncode
        == 0
    )
    before = dataset_hash(tc)
    assert run_punie("dataset", "validate", str(tc)).returncode == 0
    render = run_punie("dataset", "render", str(tc), "-n", "2")
    assert (
        render.returncode == 0
        and render.stdout.count("prefix match: yes") == 2
        and "<tools>" in render.stdout
    )
    stats = run_punie("dataset", "stats", str(tc), "--json")
    assert json.loads(stats.stdout)["train"]["examples"] == 32
    assert (
        run_punie("dataset", "split", str(tc), "--output", str(tmp_path / "s"), "--seed", "2").returncode == 0
    )
    merged = run_punie(
        "dataset", "merge", str(tc), str(tmp_path / "s"), "--ratio", "1:1", "--output", str(tmp_path / "m")
    )
    assert merged.returncode == 0
    filtered = run_punie(
        "dataset",
        "filter",
        str(tc),
        "--dedupe",
        "0.95",
        "--min-quality",
        "2",
        "--output",
        str(tmp_path / "f"),
    )
    assert filtered.returncode == 0 and "kept" in filtered.stdout
    again = run_punie("dataset", "split", str(tc), "--output", str(tmp_path / "s"))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert dataset_hash(tc) == before  # no command modified its input
