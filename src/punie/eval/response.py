"""What the model under test said to one prompt: the assistant turns, as recorded on the wire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from punie.eval.tool_parse import Call, ParsedCalls, Source, parse_tool_calls

RequestError = Literal["timeout", "server_error"]
# outcomes that are the infrastructure's, not the model's: never scored
INCOMPLETE: tuple[str, ...] = get_args(RequestError)
# "crashed": a prompt whose handling raised (a tool call no one foresaw, say) is a scored failure,
# its traceback kept in error_detail.


@dataclass(frozen=True)
class Turn:
    """One assistant message: its text, the structured calls the API returned, and why it stopped."""

    content: str
    tool_calls: tuple[dict[str, Any], ...] = ()
    finish_reason: str | None = "stop"
    tool_results: tuple[str, ...] = ()  # what the agent's tools answered to this turn's calls
    user_turn: int = 0  # which of the prompt's user messages it answers (several: a multi-turn prompt)

    def message(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = list(self.tool_calls)
        return out

    def parsed(self) -> ParsedCalls:
        return parse_tool_calls(self.message(), self.finish_reason)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "content": self.content,
            "tool_calls": list(self.tool_calls),
            "finish_reason": self.finish_reason,
            "tool_results": list(self.tool_results),
        }
        return {**out, "user_turn": self.user_turn} if self.user_turn else out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        return cls(
            content=data.get("content") or "",
            tool_calls=tuple(data.get("tool_calls") or ()),
            finish_reason=data.get("finish_reason"),
            tool_results=tuple(data.get("tool_results") or ()),
            user_turn=int(data.get("user_turn") or 0),
        )


@dataclass(frozen=True)
class RecordedResponse:
    turns: tuple[Turn, ...]
    error: RequestError | Literal["crashed"] | None = None
    error_detail: str = ""
    seconds: float = 0.0
    endpoint: str = ""  # the URL that answered (several --base-url: which one)

    @property
    def text(self) -> str:
        """The final assistant text (what a user would read)."""
        return self.turns[-1].content if self.turns else ""

    def call_turns(self) -> tuple[tuple[Call, ...], ...]:
        """The calls of each turn, turn by turn (the scorer matches within a turn in any order)."""
        return tuple(turn.parsed().calls for turn in self.turns)

    def all_calls(self) -> ParsedCalls:
        """Every call across the turns, in order; `text` when any was recovered from text."""
        calls: list[Call] = []
        sources = set()
        malformed = False
        for turn in self.turns:
            parsed = turn.parsed()
            calls.extend(parsed.calls)
            malformed = malformed or parsed.malformed
            if parsed.source != "none":
                sources.add(parsed.source)
        source: Source = "text" if "text" in sources else "structured" if sources else "none"
        truncated = bool(self.turns) and self.turns[-1].finish_reason == "length"
        return ParsedCalls(tuple(calls), source, malformed=malformed, truncated=truncated)

    def to_dict(self) -> dict[str, Any]:
        return {
            "turns": [turn.to_dict() for turn in self.turns],
            "error": self.error,
            "error_detail": self.error_detail,
            "seconds": round(self.seconds, 3),
            **({"endpoint": self.endpoint} if self.endpoint else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedResponse:
        return cls(
            turns=tuple(Turn.from_dict(t) for t in data.get("turns") or ()),
            error=data.get("error"),
            error_detail=data.get("error_detail") or "",
            seconds=float(data.get("seconds") or 0.0),
            endpoint=str(data.get("endpoint") or ""),
        )
