"""`score_prompt(prompt, response) -> EvalResult`: public, so recorded responses can be re-scored."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from punie.eval.kinds import KINDS
from punie.eval.response import INCOMPLETE, RecordedResponse
from punie.eval.suite import EvalPrompt
from punie.sandbox import SandboxLimits


@dataclass(frozen=True)
class EvalResult:
    id: str
    category: str
    passed: bool
    score: float
    failure: str | None  # a failure class (see tool_score.Failure, CODE_FAILURES, wrong_answer)
    reason: str
    call_source: str  # structured | text | none
    calls: tuple[dict[str, Any], ...]
    keyword_hits: float | None  # share of expected keywords present: a secondary signal
    response_text: str
    seconds: float
    kind: str = ""  # the category's kind (its own name for the built-in three)
    turns: tuple[dict[str, Any], ...] = ()  # a multi-turn prompt's user turns (see `user_turns`)
    endpoint: str = ""  # the URL that answered it

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.category)

    @property
    def incomplete(self) -> bool:
        """No answer to score (a timeout, a server error): kept out of every score and decision."""
        return self.failure in INCOMPLETE

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["calls"] = list(self.calls)
        out["turns"] = list(self.turns)
        if not self.turns:
            del out["turns"]  # a single-turn prompt's record stays as it was
        if not self.endpoint:
            del out["endpoint"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalResult:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["calls"] = tuple(fields["calls"])
        fields["turns"] = tuple(fields.get("turns") or ())
        return cls(**fields)


def keyword_hits(prompt: EvalPrompt, text: str) -> float | None:
    if not prompt.expected_keywords:
        return None
    lowered = text.lower()
    found = sum(1 for word in prompt.expected_keywords if word.lower() in lowered)
    return found / len(prompt.expected_keywords)


def user_turns(prompt: EvalPrompt, response: RecordedResponse) -> tuple[dict[str, Any], ...]:
    """Pure: a multi-turn prompt's answer, user turn by user turn: the user's message, each model
    turn's calls with the results the tools gave, and the model's last words (none for a
    single-turn prompt)."""
    if not prompt.later_turns and prompt.tool_module is None:
        return ()
    messages = (prompt.prompt_text, *prompt.later_turns)
    out = []
    for index, message in enumerate(messages):
        mine = [(t, t.parsed().calls) for t in response.turns if t.user_turn == index]  # parsed once
        steps = [
            {
                "calls": [{"name": c.name, "arguments": c.arguments} for c in calls],
                "results": list(t.tool_results),
            }
            for t, calls in mine
            if calls
        ]
        said = next((t.content for t, calls in reversed(mine) if not calls), "")
        out.append({"user": message, "steps": steps, "said": said})
    return tuple(out)


def score_prompt(
    prompt: EvalPrompt, response: RecordedResponse, limits: SandboxLimits = SandboxLimits()
) -> EvalResult:
    """Score one response by its prompt's kind. Code runs its hidden tests in the sandbox; the rest
    is pure. A request that failed (timeout, server error) is that failure, never a score."""
    parsed = response.all_calls()
    failure: str | None
    if response.error == "crashed":
        last = response.error_detail.strip().splitlines()[-1:] or ["no traceback"]
        passed, failure, reason = False, "crashed", f"crashed: {last[0][:300]}"
    elif response.error is not None:
        passed, failure, reason = False, response.error, response.error_detail or response.error
    else:
        passed, failure, reason = KINDS[prompt.kind].score(prompt, response, limits)
    return EvalResult(
        id=prompt.id,
        category=prompt.category,
        passed=passed,
        score=1.0 if passed else 0.0,
        failure=failure,
        reason=reason,
        call_source=parsed.source,
        calls=tuple({"name": c.name, "arguments": c.arguments} for c in parsed.calls),
        keyword_hits=keyword_hits(prompt, response.text),
        response_text=response.text,
        seconds=round(response.seconds, 3),
        kind=prompt.kind,
        turns=user_turns(prompt, response),
        endpoint=response.endpoint,
    )
