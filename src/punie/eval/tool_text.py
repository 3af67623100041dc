"""Tool calls handed back as the text the model wrote, split out as `mlx_lm.server` does (pure).

punie's llama.cpp engine turns llama.cpp's own tool-call handling off (its grammar would steer
the model towards the offered tools, scoring a different model), so its answers carry the calls
as `<tool_call>{json}</tool_call>` text. For such an endpoint the client splits them out exactly
as mlx-lm's server does with punie's template (mlx_lm/server.py, `json_tools`): every segment
from `<tool_call>` to `</tool_call>` (or to the end) leaves the content; one whose stripped text
is a JSON object (or a list of them) with a name and arguments becomes a structured call, its
arguments JSON-encoded; one that is not is dropped; a stop after a call is `tool_calls`.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from punie.eval.response import Turn

START, END = "<tool_call>", "</tool_call>"
_SEGMENT = re.compile(re.escape(START) + r"(.*?)(?:" + re.escape(END) + r"|$)", re.DOTALL)


def _calls(text: str) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(text.strip())
    except ValueError:
        return []  # mlx_lm.server logs it and drops it
    out = []
    for call in parsed if isinstance(parsed, list) else [parsed]:
        if isinstance(call, dict) and isinstance(call.get("name"), str) and "arguments" in call:
            arguments = json.dumps(call["arguments"], ensure_ascii=False)
            out.append({"name": call["name"], "arguments": arguments})
    return out


def split_tool_text(turn: Turn) -> Turn:
    """Pure: `turn` with its tagged tool-call text as structured calls."""
    if turn.tool_calls or START not in turn.content:
        return turn
    found = [call for match in _SEGMENT.finditer(turn.content) for call in _calls(match[1])]
    content = _SEGMENT.sub("", turn.content)
    calls = tuple(
        {"function": call, "type": "function", "id": f"call_{index}"} for index, call in enumerate(found)
    )
    finish = "tool_calls" if calls and turn.finish_reason == "stop" else turn.finish_reason
    return replace(turn, content=content, tool_calls=calls, finish_reason=finish)
