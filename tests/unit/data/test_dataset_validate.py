import json
from pathlib import Path

import pytest

from punie.data.alignment import text_tool_call
from punie.data.dataset_check import validate_dataset
from punie.data.dummy import READ_FILE_TOOL, dummy_examples
from punie.data.schema_check import schema_errors
from punie.data.validate import check_example, check_lines


def call(name: str, arguments: object) -> dict:
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def example(*messages: dict, tools: list | None = None) -> dict:
    row: dict = {"messages": list(messages)}
    if tools is not None:
        row["tools"] = tools
    return row


USER = {"role": "user", "content": "read main.py"}


def errors(row: object) -> list[str]:
    return [f"{f.field}: {f.message}" for f in check_example(row, "train.jsonl", 3) if f.severity == "error"]


def test_dummy_examples_are_clean() -> None:
    for row in dummy_examples(6):
        assert check_example(row, "f", 1) == []


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ([], "each line must be a JSON object"),
        ({"messages": []}, "messages: missing or empty"),
        (
            example({"role": "bot", "content": "x"}, {"role": "assistant", "content": "y"}),
            "messages[0].role: unknown role 'bot'",
        ),
        (example(USER), "messages[0].role: the last message must be from the assistant, not 'user'"),
        (
            example(
                USER,
                {"role": "assistant", "content": "", "tool_calls": [call("write_file", {"path": "a"})]},
                tools=[READ_FILE_TOOL],
            ),
            "messages[1].tool_calls[0].function.name: calls 'write_file', which is not in this example's tools (read_file)",
        ),
        (
            example(
                USER,
                {"role": "assistant", "content": "", "tool_calls": [call("read_file", {"path": 3})]},
                tools=[READ_FILE_TOOL],
            ),
            "messages[1].tool_calls[0].function.arguments.path: expected string, got int",
        ),
        (
            example(
                USER,
                {"role": "assistant", "content": "", "tool_calls": [call("read_file", {})]},
                tools=[READ_FILE_TOOL],
            ),
            "arguments.path: required but missing",
        ),
        (
            example(
                USER,
                {"role": "assistant", "content": "", "tool_calls": [call("read_file", "{bad json")]},
                tools=[READ_FILE_TOOL],
            ),
            "function.arguments: not valid JSON",
        ),
        (
            example(USER, {"role": "tool", "content": "x"}, {"role": "assistant", "content": "ok"}),
            "messages[1]: a 'tool' message with no assistant tool call before it",
        ),
        (
            example({"role": "user", "content": ""}, {"role": "assistant", "content": "ok"}),
            "messages[0].content: missing or empty",
        ),
        (example(USER, {"role": "assistant", "content": 5}), "messages[1].content: must be a string"),
        (
            example(
                {"role": "user", "content": "x", "tool_calls": [call("read_file", {})]},
                {"role": "assistant", "content": "y"},
            ),
            "messages[0].tool_calls: only assistant messages can carry tool calls",
        ),
    ],
)
def test_each_error_names_its_field(row: object, needle: str) -> None:
    assert any(needle in e for e in errors(row)), errors(row)


def test_tool_result_after_call_is_fine_and_string_arguments_parse() -> None:
    row = example(
        USER,
        {"role": "assistant", "content": "", "tool_calls": [call("read_file", '{"path": "main.py"}')]},
        {"role": "tool", "content": "print(1)"},
        {"role": "assistant", "content": "It prints 1."},
        tools=[READ_FILE_TOOL],
    )
    assert check_example(row, "f", 1) == []


@pytest.mark.parametrize(
    "content",
    [
        '<tool_call>{"name": "read_file", "arguments": {"path": "a"}}</tool_call>',
        'Sure: {"name": "read_file", "arguments": {"path": "a"}}',
        "Tool call: read_file(path='a')",
        "I am calling the read_file tool now.",
    ],
)
def test_text_tool_calls_are_a_format_alignment_warning(content: str) -> None:
    found = check_example(example(USER, {"role": "assistant", "content": content}), "train.jsonl", 7)
    assert [f.severity for f in found] == ["warning"]
    assert str(found[0]).startswith(
        "train.jsonl:7: messages[1].content: looks like a tool call written as text"
    )


def test_prose_is_not_a_tool_call() -> None:
    assert text_tool_call("The file defines a function that adds two numbers.") is None
    assert text_tool_call('Config: {"name": "app", "version": 2}') is None


def test_schema_subset() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}, "mode": {"enum": ["a", "b"]}},
        "required": ["n"],
        "additionalProperties": False,
    }
    assert schema_errors({"n": 1, "mode": "a"}, schema) == []
    assert schema_errors({"n": True}, schema) == ["arguments.n: expected integer, got bool"]
    assert schema_errors({"n": 1.5}, schema) == ["arguments.n: expected integer, got float"]
    assert schema_errors({"n": 1, "mode": "c"}, schema) == ["arguments.mode: 'c' is not one of ['a', 'b']"]
    assert schema_errors({"n": 1, "x": 0}, schema) == ["arguments.x: not allowed by the schema"]


def test_bad_json_line_has_file_line_and_column() -> None:
    _, found = check_lines(['{"messages": []}\n', "\n", "{oops\n"], "valid.jsonl")
    assert (
        str(found[-1])
        == "valid.jsonl:3: invalid JSON (Expecting property name enclosed in double quotes at column 2)"
    )


def test_dataset_dir_checks(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(json.dumps(dummy_examples(1)[0]) + "\n")
    (tmp_path / "valid.jsonl").write_text("")
    report = validate_dataset(tmp_path, count_tokens=lambda row: 999, max_seq_length=100)
    messages = [str(f) for f in report.errors]
    assert any("valid.jsonl: empty split" in m for m in messages)
    assert any("train.jsonl:1: messages: 999 tokens, longer than --max-seq-length 100" in m for m in messages)
    assert report.counts == {"train": 1, "valid": 0}
    missing = validate_dataset(tmp_path / "nope")
    assert "no such directory" in str(missing.errors[0])


def test_a_line_that_is_not_utf8_is_an_error_with_its_line(tmp_path: Path) -> None:
    good = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
    (tmp_path / "train.jsonl").write_bytes(
        good.encode()
        + '{"messages": [{"role": "user", "content": "caf\u00e9"}]}\n'.encode("latin-1")
        + good.encode()
    )
    (tmp_path / "valid.jsonl").write_text(good)
    report = validate_dataset(tmp_path)
    assert [(Path(f.file).name, f.line) for f in report.errors] == [("train.jsonl", 2)]
    assert "not valid UTF-8 (byte 0xe9 at column 47)" in report.errors[0].message


def test_mask_prompt_that_would_hide_the_calls_is_said(tmp_path: Path) -> None:
    from punie.data.dataset_check import mask_prompt_warning
    from punie.data.generate_tool_calling import generate_tool_calling

    call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "ls", "arguments": "{}"}}],
    }
    whole = {"messages": [{"role": "user", "content": "x"}, call, {"role": "tool", "content": "a"},
                          {"role": "assistant", "content": "done"}]}  # fmt: skip
    (tmp_path / "train.jsonl").write_text(json.dumps(whole) + "\n" + json.dumps(whole) + "\n")
    warning = mask_prompt_warning(tmp_path)
    assert (
        warning is not None
        and "2 example(s) (lines 1, 2) call tools before their last message and none" in warning
    )
    generated = tmp_path / "gen"
    generated.mkdir()
    (generated / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in generate_tool_calling(40)))
    assert mask_prompt_warning(generated) is None  # each call also ends an example of its own
