"""Read tool calls from a chat completion: structured `tool_calls`, or recovered from the text.

A model that writes `<tool_call>{...}</tool_call>` (or bare JSON) as text still made a call; the
report counts structured and text-recovered calls apart, so a format mismatch is visible.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

Source = Literal["structured", "text", "none"]
TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


@dataclass(frozen=True)
class Call:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ParsedCalls:
    calls: tuple[Call, ...]
    source: Source
    malformed: bool = False  # something call-shaped that did not parse
    truncated: bool = False  # generation stopped at max tokens


def _as_call(value: Any) -> Call | None:
    if not isinstance(value, dict):
        return None
    function = value.get("function", value)
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return None
    arguments = function.get("arguments", function.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return None
    return Call(function["name"], arguments) if isinstance(arguments, dict) else None


def _bare_json_calls(text: str) -> list[Call]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", text):
        try:
            value, _ = decoder.raw_decode(text[match.start() :])
        except json.JSONDecodeError:
            continue
        items = value if isinstance(value, list) else [value]
        found = [c for c in (_as_call(item) for item in items) if c is not None]
        if found:
            return found
    return []


def parse_tool_calls(message: dict[str, Any], finish_reason: str | None) -> ParsedCalls:
    """Pure: the calls in an OpenAI-style assistant `message`."""
    truncated = finish_reason == "length"
    structured = message.get("tool_calls") or []
    if structured:
        calls = [_as_call(item) for item in structured]
        good = tuple(c for c in calls if c is not None)
        return ParsedCalls(good, "structured", malformed=len(good) != len(calls), truncated=truncated)
    text = message.get("content") or ""
    tagged = TAGGED.findall(text)
    if tagged:
        calls = []
        for chunk in tagged:
            try:
                call = _as_call(json.loads(chunk))
            except json.JSONDecodeError:
                call = None
            calls.append(call)
        good = tuple(c for c in calls if c is not None)
        return ParsedCalls(good, "text", malformed=len(good) != len(calls), truncated=truncated)
    bare = _bare_json_calls(text)
    if bare:
        return ParsedCalls(tuple(bare), "text", truncated=truncated)
    return ParsedCalls((), "none", truncated=truncated)
