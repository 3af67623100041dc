"""Scoring a response's tool calls: pure functions that return a score and a failure class.

The calls of each assistant turn are matched against the expected calls in sequence: within one
turn in any order (as BFCL matches parallel calls; `ordered: true` for dependent steps), and a
call beyond the expected ones fails as `extra_call`. A right call written only as text fails as
`text_only_call` (where BFCL, which reads no text, would differ: on purpose).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from punie.eval.tool_match import ExpectedCall, StringMatch, call_problem, value_matches
from punie.eval.tool_parse import Call, ParsedCalls
from punie.eval.tool_schema import ToolSpec

__all__ = ["ExpectedCall", "Failure", "ToolRules", "ToolScore", "score_tool_calls", "value_matches"]

Failure = Literal[
    "no_call",
    "text_only_call",
    "wrong_tool",
    "wrong_arguments",
    "extra_call",
    "malformed_json",
    "truncated",
    "call_when_none_wanted",
    "timeout",
    "server_error",
]


@dataclass(frozen=True)
class ToolRules:
    string_match: StringMatch = "exact"
    ordered: bool = False  # calls of one turn must come in the expected order


@dataclass(frozen=True)
class ToolScore:
    passed: bool
    failure: Failure | None
    reason: str


def _match_turn(
    calls: Sequence[Call], wanted: Sequence[ExpectedCall], tools: Mapping[str, ToolSpec], rules: ToolRules
) -> ToolScore | None:
    """None when the calls of one turn are exactly `wanted` (in any order unless ordered)."""
    if rules.ordered:
        for call, want in zip(calls, wanted, strict=True):
            problem = call_problem(call, want, tools.get(want.name), rules.string_match)
            if problem:
                failure: Failure = "wrong_tool" if call.name != want.name else "wrong_arguments"
                return ToolScore(False, failure, problem)
        return None
    unmatched = list(range(len(calls)))
    for want in wanted:  # greedy, first unmatched call that fits: BFCL's own procedure
        problems = {
            i: call_problem(calls[i], want, tools.get(want.name), rules.string_match) for i in unmatched
        }
        fit = next((i for i in unmatched if problems[i] is None), None)
        if fit is None:
            named = [i for i in unmatched if calls[i].name == want.name]
            if not named:
                return ToolScore(
                    False, "wrong_tool", f"no call of {want.name}; got {[calls[i].name for i in unmatched]}"
                )
            return ToolScore(False, "wrong_arguments", str(problems[named[0]]))
        unmatched.remove(fit)
    return None


def score_tool_calls(
    expected: Sequence[ExpectedCall],
    parsed: ParsedCalls,
    turns: Sequence[Sequence[Call]] | None = None,
    tools: Mapping[str, ToolSpec] | None = None,
    rules: ToolRules = ToolRules(),
) -> ToolScore:
    """Pure: does `parsed` make exactly the expected calls (or, with none expected, no call)?
    `turns` groups the calls by assistant turn (default: all in one); `tools` gives the schemas."""
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
    if len(parsed.calls) > len(expected):
        extra = ", ".join(c.name for c in parsed.calls[len(expected) :])
        return ToolScore(
            False, "extra_call", f"{len(parsed.calls)} calls made, {len(expected)} expected (extra: {extra})"
        )
    done = 0
    for calls in [t for t in (turns if turns is not None else [parsed.calls]) if t]:
        failed = _match_turn(calls, expected[done : done + len(calls)], tools or {}, rules)
        if failed is not None:
            return failed
        done += len(calls)
    if done < len(expected):
        return ToolScore(
            False, "no_call", f"only {done} of {len(expected)} calls made; next: {expected[done].name}"
        )
    if parsed.source == "text":
        return ToolScore(
            False, "text_only_call", "right call, but written as text, not as a structured tool call"
        )
    return ToolScore(True, None, "expected call(s) made")
