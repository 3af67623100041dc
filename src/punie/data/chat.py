"""The chat data model: frozen dataclasses inside, the JSONL dicts mlx-lm reads at the edges.

The on-disk format is the one mlx-lm and Hugging Face already read —
`{"messages": [...], "tools": [...]}` — with no private fields; `category` is kept when present.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "function", "function": {"name": self.name, "arguments": dict(self.arguments)}}


@dataclass(frozen=True)
class Message:
    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [call.to_dict() for call in self.tool_calls]
        return out


@dataclass(frozen=True)
class ChatExample:
    messages: tuple[Message, ...]
    tools: tuple[dict[str, Any], ...] = ()
    category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"messages": [m.to_dict() for m in self.messages]}
        if self.tools:
            out["tools"] = [dict(t) for t in self.tools]
        if self.category is not None:
            out["category"] = self.category
        return out


def parse_example(data: dict[str, Any]) -> ChatExample:
    """A validated line (see `punie.data.validate`) as a `ChatExample`."""
    messages = []
    for raw in data["messages"]:
        calls = []
        for call in raw.get("tool_calls") or []:
            function = call.get("function", call)
            arguments = function.get("arguments", {})
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
            calls.append(ToolCall(function["name"], dict(arguments)))
        messages.append(Message(raw["role"], raw.get("content") or "", tuple(calls)))
    category = data.get("category")
    return ChatExample(
        tuple(messages), tuple(data.get("tools") or ()), str(category) if category is not None else None
    )
