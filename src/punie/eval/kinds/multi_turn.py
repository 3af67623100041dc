"""Multi-turn: the agent's tool loop over a suite's stateful tools (`tool_module:`), one user
message after another; judged by the state the tools are left in, as BFCL's multi-turn checker
judges (every public attribute equal to the ground truth's), and by the results it got.

After each user turn, the model's calls so far and the expected calls so far (`expected_turns`,
one list per user turn) are each made again on fresh instances, in the sandbox
(`punie.eval.tool_module_run`); the two states must be equal, attribute by attribute, and the
expected calls' results must be among the model's results of that turn (BFCL's response check:
an unordered subsequence). `expected_state` (the state at the end, class by class, only the
attributes it names) may replace or add to `expected_turns`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from punie.eval.kinds.base import Fail, Fields, Kind, Prompt, Verdict
from punie.eval.response import RecordedResponse
from punie.eval.tool_match import ExpectedCall
from punie.eval.tool_module_run import State, replay
from punie.eval.tool_parse import Call
from punie.sandbox.limits import SandboxLimits

FAILURES = ("wrong_state", "missing_result", "tool_error")


def check(fields: Fields, fail: Fail, prompt_id: str) -> Fields:
    if not fields.stateful:
        raise fail("category", "a multi_turn prompt needs the suite's `tool_module:` (its stateful tools)")
    if not fields.expected_turns and fields.expected_state is None:
        raise fail("expected_turns", "a multi_turn prompt needs expected_turns, expected_state or both")
    return fields


def as_call(expected: ExpectedCall) -> Call:
    """Pure: an expected call as made, with the first allowed value of each argument."""
    return Call(expected.name, {name: values[0] for name, values in expected.arguments.items() if values})


def first_difference(got: State, want: State, partial: bool = False) -> str | None:
    """Pure: the first public attribute that differs, as `Class.attr is X, expected Y`: every
    attribute of either side, or with `partial` only those `want` names."""
    for cls in sorted(set(want) | (set() if partial else set(got))):
        mine, attributes = got.get(cls, {}), want.get(cls, {})
        keys = list(attributes) if partial else sorted(set(attributes) | set(mine))
        for key in keys:
            if mine.get(key) != attributes.get(key):
                shown = json.dumps(mine.get(key), sort_keys=True)[:120]
                wanted = json.dumps(attributes.get(key), sort_keys=True)[:120]
                return f"{cls}.{key} is {shown}, expected {wanted}"
    return None


def missing_results(got: Sequence[str], want: Sequence[str]) -> list[str]:
    """Pure: the expected results that are not among the model's (a multiset: each counts once)."""
    left = Counter(got)
    missing = []
    for result in want:
        if left[result] > 0:
            left[result] -= 1
        else:
            missing.append(result)
    return missing


def _by_user_turn(response: RecordedResponse, turns: int) -> list[list[tuple[Call, ...]]]:
    batches: list[list[tuple[Call, ...]]] = [[] for _ in range(turns)]
    for turn in response.turns:
        calls = turn.parsed().calls
        if calls and turn.user_turn < turns:
            batches[turn.user_turn].append(calls)
    return batches


def _results(response: RecordedResponse, user_turn: int) -> list[str]:
    return [r for t in response.turns if t.user_turn == user_turn for r in t.tool_results]


def score(prompt: Prompt, response: RecordedResponse, limits: SandboxLimits) -> Verdict:
    module = prompt.tool_module
    assert module is not None  # check() refused the prompt otherwise
    turns = max(len(prompt.expected_turns), 1 + max((t.user_turn for t in response.turns), default=0))
    made = _by_user_turn(response, turns)
    flat = [batch for batches in made for batch in batches]
    mine = replay(module, prompt.initial_state, flat, limits)
    wanted = replay(
        module, prompt.initial_state, [[as_call(c) for c in t] for t in prompt.expected_turns], limits
    )
    for outcome in (mine, wanted):
        if outcome.error is not None:
            return False, "tool_error", outcome.error[:300]
    seen = 0
    for index in range(len(prompt.expected_turns)):
        seen += len(made[index])
        state = mine.states[seen - 1] if seen else mine.initial
        if difference := first_difference(state, wanted.states[index]):
            return False, "wrong_state", f"after user turn {index + 1}: {difference}"
        if lost := missing_results(_results(response, index), wanted.results[index]):
            return False, "missing_result", f"user turn {index + 1}: no call returned {lost[0][:200]}"
    final = mine.states[-1] if mine.states else mine.initial
    end = prompt.expected_state
    if end is not None and (difference := first_difference(final, end, partial=True)):
        return False, "wrong_state", f"at the end: {difference}"
    return True, None, f"the tools' state is right after each of {turns} user turn(s)"


MULTI_TURN = Kind(
    "multi_turn",
    "agent",
    "Multi-turn",
    check,
    score,
    offers_tools=True,
    runs_code=lambda prompt: True,
    position=40,
)
