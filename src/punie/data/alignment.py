"""Format alignment: catch tool calls written as text where training needs structured ones.

Punie trained on tool calls written as prose, evaluated structured calls, and read 0% for weeks.
An assistant message whose *content* looks like a tool call is the signature of that mistake.
"""

from __future__ import annotations

import json
import re

TEXT_CALL_PATTERNS = (
    (re.compile(r"<tool_call>"), "a <tool_call> tag"),
    (re.compile(r"(?i)\btool call\s*:"), "'Tool call:' prose"),
    (re.compile(r"(?i)\bcalling\s+(the\s+)?[a-z_]+\s+tool\b"), "'calling the X tool' prose"),
)


def _json_objects(text: str) -> list[object]:
    decoder = json.JSONDecoder()
    found = []
    for start in [m.start() for m in re.finditer(r"\{", text)]:
        try:
            value, _ = decoder.raw_decode(text[start:])
        except json.JSONDecodeError:
            continue
        found.append(value)
    return found


def text_tool_call(content: str) -> str | None:
    """Pure: why `content` looks like a tool call written as text, or None."""
    for pattern, label in TEXT_CALL_PATTERNS:
        if pattern.search(content):
            return label
    for value in _json_objects(content):
        if isinstance(value, dict) and "name" in value and ("arguments" in value or "parameters" in value):
            return 'a {"name": ..., "arguments": ...} JSON object'
    return None
