"""The llama.cpp engine's tool-call text, split out as mlx_lm.server does."""

from __future__ import annotations

import json

from punie.eval.response import Turn
from punie.eval.tool_text import split_tool_text

CALL = '<tool_call>\n{"name": "read_file", "arguments": {"path": "é.py"}}\n</tool_call>'


def _calls(turn: Turn) -> list[tuple[str, object]]:
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in turn.tool_calls]


def test_a_tagged_call_becomes_structured_and_leaves_the_content() -> None:
    turn = split_tool_text(Turn(CALL, (), "stop"))
    assert turn.content == "" and turn.finish_reason == "tool_calls"
    assert _calls(turn) == [("read_file", {"path": "é.py"})]
    assert turn.tool_calls[0]["function"]["arguments"] == '{"path": "é.py"}'  # as mlx: ensure_ascii off
    assert turn.parsed().source == "structured"


def test_text_around_calls_stays_and_several_calls_keep_their_order() -> None:
    second = CALL.replace("read_file", "run_command").replace('"path": "é.py"', '"command": "ls"')
    turn = split_tool_text(Turn(f"Let me look.\n{CALL}\n{second}", (), "stop"))
    assert turn.content == "Let me look.\n\n"
    assert [name for name, _ in _calls(turn)] == ["read_file", "run_command"]


def test_malformed_or_cut_calls_are_dropped_as_mlx_drops_them() -> None:
    broken = split_tool_text(Turn('<tool_call>\n{"name": "read_file", "arguments": {"pa', (), "length"))
    assert broken.tool_calls == () and broken.content == "" and broken.finish_reason == "length"
    unterminated = split_tool_text(Turn(CALL.removesuffix("</tool_call>"), (), "length"))
    assert _calls(unterminated) == [("read_file", {"path": "é.py"})]  # complete JSON: kept
    nameless = split_tool_text(Turn('<tool_call>{"arguments": {}}</tool_call>', (), "stop"))
    assert nameless.tool_calls == () and nameless.finish_reason == "stop"


def test_plain_text_and_structured_turns_are_left_alone() -> None:
    plain = Turn("The answer is 4.", (), "stop")
    assert split_tool_text(plain) is plain
    structured = Turn("", ({"function": {"name": "read_file", "arguments": "{}"}},), "tool_calls")
    assert split_tool_text(structured) is structured
