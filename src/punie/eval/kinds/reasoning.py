"""Reasoning: one completion; its final answer matched against the expected one (numbers, units,
choice letters), after any `<think>` block."""

from __future__ import annotations

from punie.eval.answer_score import score_answer, strip_think
from punie.eval.kinds.base import Fail, Fields, Kind, Prompt, Verdict
from punie.eval.response import RecordedResponse
from punie.sandbox.limits import SandboxLimits


def check(fields: Fields, fail: Fail, prompt_id: str) -> Fields:
    if fields.answer is None or not str(fields.answer).strip():
        raise fail("expected_answer", "a reasoning prompt needs an expected answer")
    return fields


def score(prompt: Prompt, response: RecordedResponse, limits: SandboxLimits) -> Verdict:
    answer = score_answer(strip_think(response.text), prompt.expected_answer or "")
    return answer.passed, None if answer.passed else "wrong_answer", answer.reason


REASONING = Kind("reasoning", "single", "Reasoning", check, score, position=30)
