import pytest

from punie.eval.tool_parse import Call, ParsedCalls, parse_tool_calls
from punie.eval.tool_score import ExpectedCall, score_tool_calls, value_matches

READ = ExpectedCall("read_file", {"path": ["main.py", "./main.py"]})


def structured(name: str, arguments: str) -> dict:
    return {
        "content": None,
        "tool_calls": [{"type": "function", "function": {"name": name, "arguments": arguments}}],
    }


def test_structured_calls() -> None:
    parsed = parse_tool_calls(structured("read_file", '{"path": "main.py"}'), "tool_calls")
    assert parsed == ParsedCalls((Call("read_file", {"path": "main.py"}),), "structured")
    assert score_tool_calls([READ], parsed).passed


@pytest.mark.parametrize("finish", ["stop", "tool_calls", "function_call"])
def test_text_calls_are_recovered_but_fail_as_text_only(finish: str) -> None:
    text = {"content": '<tool_call>\n{"name": "read_file", "arguments": {"path": "./main.py"}}\n</tool_call>'}
    parsed = parse_tool_calls(text, finish)
    assert parsed.source == "text" and parsed.calls == (Call("read_file", {"path": "./main.py"}),)
    score = score_tool_calls([READ], parsed)
    assert (score.passed, score.failure) == (False, "text_only_call")


def test_bare_json_and_parameters_spelling() -> None:
    parsed = parse_tool_calls(
        {"content": 'Sure! {"name": "read_file", "parameters": {"path": "main.py"}}'}, "stop"
    )
    assert parsed.calls == (Call("read_file", {"path": "main.py"}),) and parsed.source == "text"


@pytest.mark.parametrize(
    ("message", "finish", "failure"),
    [
        ({"content": "I cannot read files."}, "stop", "no_call"),
        ({"content": '<tool_call>{"name": "read_file", "arguments": {"pa'}, "length", "malformed_json"),
        ({"content": "Let me think about which file"}, "length", "truncated"),
        (structured("write_file", '{"path": "main.py"}'), "tool_calls", "wrong_tool"),
        (structured("read_file", '{"path": "other.py"}'), "tool_calls", "wrong_arguments"),
        (structured("read_file", '{"path": "main.py", "mode": "r"}'), "tool_calls", "wrong_arguments"),
        (structured("read_file", "{}"), "tool_calls", "wrong_arguments"),
    ],
)
def test_failure_classes(message: dict, finish: str, failure: str) -> None:
    score = score_tool_calls([READ], parse_tool_calls(message, finish))
    assert (score.passed, score.failure) == (False, failure), score.reason


def test_no_tool_wanted() -> None:
    assert score_tool_calls([], parse_tool_calls({"content": "56"}, "stop")).passed
    called = score_tool_calls(
        [], parse_tool_calls(structured("run_command", '{"command": "ls"}'), "tool_calls")
    )
    assert called.failure == "call_when_none_wanted"


def test_optional_arguments() -> None:
    want = ExpectedCall(
        "run_command", {"command": ["pytest"], "timeout": [30]}, optional=frozenset({"timeout"})
    )
    assert score_tool_calls(
        [want], parse_tool_calls(structured("run_command", '{"command": "pytest"}'), None)
    ).passed
    bad = score_tool_calls(
        [want], parse_tool_calls(structured("run_command", '{"command": "pytest", "timeout": "30"}'), None)
    )
    assert bad.failure == "wrong_arguments"


@pytest.mark.parametrize(
    ("got", "allowed", "ok"),
    [
        (3, [3.0], True),
        (3.5, [3], False),
        ("3", [3], False),
        (True, [1], False),
        (1, [True], False),
        (True, [True], True),
        (" a ", ["a"], True),
        ([1, 2], [[1, 2]], True),
        (None, [None], True),
    ],
)
def test_value_matches_is_type_aware(got: object, allowed: list, ok: bool) -> None:
    assert value_matches(got, allowed) is ok
