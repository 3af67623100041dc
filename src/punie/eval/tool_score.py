"""BFCL-style checking of tool calls: pure functions that return a score and a failure class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from punie.eval.tool_parse import Call, ParsedCalls

Failure = Literal[
    "no_call",
    "text_only_call",
    "wrong_tool",
    "wrong_arguments",
    "malformed_json",
    "truncated",
    "call_when_none_wanted",
    "timeout",
    "server_error",
]


@dataclass(frozen=True)
class ExpectedCall:
    """A call the prompt wants. `arguments` maps each name to its allowed values (any one matches);
    names in `optional` may be left out."""

    name: str
    arguments: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ToolScore:
    passed: bool
    failure: Failure | None
    reason: str


def value_matches(got: Any, allowed: Sequence[Any]) -> bool:
    """Type-aware equality: 3 matches 3.0 (int vs float), True never matches 1, '3' never matches 3."""
    for want in allowed:
        if isinstance(want, bool) or isinstance(got, bool):
            if isinstance(want, bool) and isinstance(got, bool) and want == got:
                return True
            continue
        if isinstance(want, int | float) and isinstance(got, int | float):
            if float(want) == float(got):
                return True
            continue
        if isinstance(want, str) and isinstance(got, str):
            if want.strip() == got.strip():
                return True
            continue
        if type(want) is type(got) and want == got:
            return True
    return False


def arguments_problem(call: Call, expected: ExpectedCall) -> str | None:
    for name, allowed in expected.arguments.items():
        if name not in call.arguments:
            if name in expected.optional:
                continue
            return f"missing argument {name!r}"
        if not value_matches(call.arguments[name], allowed):
            return f"argument {name!r} = {call.arguments[name]!r}, expected one of {list(allowed)!r}"
    extra = set(call.arguments) - set(expected.arguments)
    if extra:
        return f"unexpected argument(s) {sorted(extra)}"
    return None


def score_tool_calls(expected: Sequence[ExpectedCall], parsed: ParsedCalls) -> ToolScore:
    """Pure: does `parsed` make exactly the expected calls (or, with none expected, no call)?"""
    if not expected:
        if parsed.calls:
            return ToolScore(
                False, "call_when_none_wanted", f"called {parsed.calls[0].name} when no tool was needed"
            )
        return ToolScore(True, None, "no call, as wanted")
    if not parsed.calls:
        if parsed.malformed:
            return ToolScore(False, "malformed_json", "a tool call that is not valid JSON")
        if parsed.truncated:
            return ToolScore(False, "truncated", "stopped at max tokens before making a call")
        return ToolScore(False, "no_call", f"no call; expected {expected[0].name}")
    for index, want in enumerate(expected):
        if index >= len(parsed.calls):
            return ToolScore(False, "no_call", f"only {len(parsed.calls)} of {len(expected)} calls made")
        got = parsed.calls[index]
        if got.name != want.name:
            return ToolScore(False, "wrong_tool", f"called {got.name}, expected {want.name}")
        problem = arguments_problem(got, want)
        if problem:
            return ToolScore(False, "wrong_arguments", problem)
    if parsed.source == "text":
        return ToolScore(
            False, "text_only_call", "right call, but written as text, not as a structured tool call"
        )
    return ToolScore(True, None, "expected call(s) made")
