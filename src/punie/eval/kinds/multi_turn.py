"""Multi-turn: the agent's tool loop over a suite's stateful tools (`tool_module:`), one user
message after another; judged by the state the tools are left in, as BFCL's multi-turn checker
judges (every public attribute equal to the ground truth's), and by the results it got.

The model's calls and the expected calls (`expected_turns`, one list per user turn) are made
again on two sets of fresh instances, in one sandboxed run (`punie.eval.tool_module_run`); after
each user turn the two states must be equal, attribute by attribute, by the classes' own `==`,
and the expected calls' results must be among the model's results so far (BFCL's response
check: an unordered subsequence). `score` says turn by turn. `expected_state` (the state at the
end, class by class, only the attributes it names) may replace or add to `expected_turns`.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Sequence

from punie.eval.kinds.base import Fail, Fields, Kind, Prompt, Verdict
from punie.eval.response import RecordedResponse
from punie.eval.tool_match import ExpectedCall
from punie.eval.tool_module_run import Expected, State, replay
from punie.eval.tool_parse import Call
from punie.sandbox.limits import SandboxLimits

FAILURES = ("wrong_state", "missing_result", "empty_turn", "tool_error")


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


def _names(calls: Sequence[ExpectedCall]) -> str:
    return ", ".join(c.name for c in calls)


def score(prompt: Prompt, response: RecordedResponse, limits: SandboxLimits) -> Verdict:
    """BFCL's multi-turn checker, turn by turn: a user turn that expects calls must have some
    (`empty_turn`), then leave every class's public attributes equal to the expected calls'
    (`wrong_state`, judged by the classes' own `==` in the sandbox), and the expected calls'
    results must be among the model's results so far (`missing_result`). A turn that expects no
    call (BFCL's missing function or parameter) is not judged itself: its calls still change the
    state the next turns are judged by. Then `expected_state`, if given, at the end."""
    module = prompt.tool_module
    assert module is not None  # check() refused the prompt otherwise
    expected = prompt.expected_turns
    turns = max(len(expected), 1 + max((t.user_turn for t in response.turns), default=0))
    made = _by_user_turn(response, turns)
    ends = list(itertools.accumulate(len(batches) for batches in made))  # batches made by each turn's end
    judged = [index for index, calls in enumerate(expected) if calls]
    outcome = replay(
        module,
        prompt.initial_state,
        [batch for batches in made for batch in batches],
        limits,
        Expected([[as_call(c) for c in t] for t in expected], [(ends[i] - 1, i) for i in judged]),
        states="none" if prompt.expected_state is None else "last",
        results="digest",
    )
    if outcome.error is not None:
        return False, "tool_error", outcome.error[:300]
    for index, difference in zip(judged, outcome.differences, strict=True):
        if not made[index]:
            wanted_calls = _names(expected[index])
            return False, "empty_turn", f"user turn {index + 1}: no call made, expected {wanted_calls}"
        if difference is not None:
            cls, attribute, mine, wanted = difference
            differs = f"{cls}.{attribute} is {mine[:120]}, expected {wanted[:120]}"
            return False, "wrong_state", f"after user turn {index + 1}: {differs}"
        so_far = [result for batch in outcome.results[: ends[index]] for result in batch]
        texts = dict(outcome.expected_results[index])
        if lost := missing_results(so_far, [digest for digest, _ in outcome.expected_results[index]]):
            return False, "missing_result", f"user turn {index + 1}: no call returned {texts[lost[0]][:200]}"
    end = prompt.expected_state
    if end is not None:
        final = outcome.states[-1] if outcome.states else outcome.initial
        if difference_text := first_difference(final, end, partial=True):
            return False, "wrong_state", f"at the end: {difference_text}"
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
