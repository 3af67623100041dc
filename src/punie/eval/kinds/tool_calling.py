"""Tool calling: the agent's tool loop; scored on the calls made (names, arguments, order, turns)."""

from __future__ import annotations

from punie.eval.kinds.base import Fail, Fields, Kind, Prompt, Verdict
from punie.eval.response import RecordedResponse
from punie.eval.tool_match import ExpectedCall
from punie.eval.tool_score import ToolRules, score_tool_calls
from punie.sandbox.limits import SandboxLimits
from punie.tools.builtin import BUILTIN


def check(fields: Fields, fail: Fail, prompt_id: str) -> Fields:
    calls = fields.calls
    if not calls and fields.names:  # the seed's names-only form: only the tools' names are scored
        missing = [n for n in fields.names if n not in fields.offered]
        if missing:
            raise fail(
                "expected_tool_calls", f"{missing} are not offered (offered: {sorted(fields.offered)})"
            )
        calls = tuple(ExpectedCall(n, any_arguments=True) for n in fields.names)
    if not calls and not fields.no_tool:
        raise fail("expected_calls", "a tool_calling prompt needs expected_calls or no_tool: true")
    if calls and fields.no_tool:
        raise fail("no_tool", "cannot be true when expected_calls are given")
    return fields.with_calls(calls)


def score(prompt: Prompt, response: RecordedResponse, limits: SandboxLimits) -> Verdict:
    tools = {spec.name: spec for spec in prompt.tool_specs}
    rules = ToolRules(prompt.string_match, prompt.ordered)
    tool = score_tool_calls(prompt.expected_calls, response.all_calls(), response.call_turns(), tools, rules)
    return tool.passed, tool.failure, tool.reason


TOOL_CALLING = Kind(
    "tool_calling",
    "agent",
    "Tool Calling",
    check,
    score,
    offers_tools=True,
    runs_code=lambda prompt: any(BUILTIN[name].executes for name in prompt.tools if name in BUILTIN),
    position=10,
)
