"""Preference pairs (`punie dataset sample`'s pairs/, TRL's layout) as `dataset validate` and
`punie train --method dpo` check them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.data.dataset_check import validate_dataset
from punie.data.dummy import READ_FILE_TOOL
from punie.data.formats import example_format
from punie.data.validate import check_example
from punie.errors import UsageError
from punie.train.methods import METHODS
from punie.train.runner import method_format_problem

CALL = {"type": "function", "function": {"name": "read_file", "arguments": {"path": "main.py"}}}
PAIR = {
    "prompt": [{"role": "user", "content": "read main.py"}],
    "chosen": [{"role": "assistant", "content": "", "tool_calls": [CALL]}],
    "rejected": [{"role": "assistant", "content": "I cannot read files."}],
    "tools": [READ_FILE_TOOL],
}


def errors(row: object) -> list[str]:
    return [f"{f.field}: {f.message}" for f in check_example(row, "train.jsonl", 2) if f.severity == "error"]


def test_a_pair_is_the_preference_format_and_clean() -> None:
    assert example_format(PAIR) == "preference"
    assert errors(PAIR) == []


def test_each_side_is_checked_as_a_conversation_and_named() -> None:
    bad_call = {"type": "function", "function": {"name": "delete_all", "arguments": {}}}
    row = {**PAIR, "chosen": [{"role": "assistant", "content": "", "tool_calls": [bad_call]}]}
    found = errors(row)
    assert len(found) == 1 and found[0].startswith("chosen: messages[1].tool_calls[0]")
    assert "delete_all" in found[0]


def test_a_rejected_answers_wrong_call_is_its_mistake_a_warning_but_a_chosen_ones_is_an_error() -> None:
    wrong = {"type": "function", "function": {"name": "read_file", "arguments": {"file": "main.py"}}}
    unknown = {"type": "function", "function": {"name": "delete_all", "arguments": {}}}
    row = {**PAIR, "rejected": [{"role": "assistant", "content": "", "tool_calls": [wrong, unknown]}]}
    assert errors(row) == []
    warned = [f for f in check_example(row, "train.jsonl", 2) if f.severity == "warning"]
    assert [f.field for f in warned] == [
        "rejected: messages[1].tool_calls[0].function.arguments.path",
        "rejected: messages[1].tool_calls[0].function.arguments.file",
        "rejected: messages[1].tool_calls[1].function.name",
    ]
    assert all(f.message.endswith("(a rejected answer's mistake: kept)") for f in warned)
    assert errors({**PAIR, "chosen": row["rejected"]})  # the side a model learns toward stays strict
    broken = {"type": "function", "function": {"name": "read_file", "arguments": "{not json"}}
    row = {**PAIR, "rejected": [{"role": "assistant", "content": "", "tool_calls": [broken]}]}
    assert any("not valid JSON" in e for e in errors(row))  # the template cannot render it


def test_an_answer_must_start_with_the_assistant_and_the_prompt_end_before_it() -> None:
    row = {**PAIR, "rejected": [{"role": "user", "content": "hi"}]}
    assert any(e.startswith("rejected[0].role") for e in errors(row))
    row = {**PAIR, "prompt": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}
    assert any(e.startswith("prompt[1].role") for e in errors(row))
    assert any(e.startswith("chosen:") or e.startswith("prompt") for e in errors({**PAIR, "prompt": []}))


def write(directory: Path, rows: list[dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for split in ("train", "valid"):
        (directory / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return directory


def test_validate_dataset_reads_pairs_and_names_file_and_line(tmp_path: Path) -> None:
    broken = {**PAIR, "rejected": []}
    report = validate_dataset(write(tmp_path / "pairs", [PAIR, broken]))
    assert report.counts == {"train": 2, "valid": 2}
    assert [(Path(f.file).name, f.line, f.field) for f in report.errors] == [
        ("train.jsonl", 2, "rejected"),
        ("valid.jsonl", 2, "rejected"),
    ]


def test_a_method_refuses_data_in_the_other_format(tmp_path: Path) -> None:
    pairs = write(tmp_path / "pairs", [PAIR])
    chat = write(
        tmp_path / "chat",
        [{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}],
    )
    assert method_format_problem(pairs, "dpo") is None and method_format_problem(chat, "sft") is None
    problem = method_format_problem(chat, "dpo")
    assert problem is not None and f"{chat / 'train.jsonl'}:1: a chat example" in problem
    assert "--method sft trains on chat or completions or text" in str(method_format_problem(pairs, "sft"))


def test_a_sampled_directory_resolves_to_the_methods_own_data(tmp_path: Path) -> None:
    write(tmp_path / "pairs", [PAIR])
    write(
        tmp_path / "sft",
        [{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}],
    )
    assert METHODS["dpo"].data_dir(tmp_path) == tmp_path / "pairs"
    assert METHODS["sft"].data_dir(tmp_path) == tmp_path / "sft"
    own = write(tmp_path / "own", [PAIR])
    assert METHODS["sft"].data_dir(own) == own  # a directory with its own splits is itself


def test_a_sampled_directory_without_the_methods_data_says_why(tmp_path: Path) -> None:
    (tmp_path / "sample.json").write_text("{}")
    write(
        tmp_path / "sft",
        [{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}],
    )
    with pytest.raises(UsageError, match="wrote no pairs/ data .no prompt got both a passing and a failing"):
        METHODS["dpo"].data_dir(tmp_path)
    assert METHODS["sft"].data_dir(tmp_path) == tmp_path / "sft"
