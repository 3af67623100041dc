"""The tools-aware ChatML template installed into the embedded model.

SmolLM2's own template ignores `tools` and `tool_calls`. This one follows the Hermes/Qwen
convention: tool schemas inside `<tools>` in the system prompt, assistant calls as
``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``, tool results as `tool` messages
(rendered as `<tool_response>` blocks). Training data and eval requests render through this same
template, and mlx-lm recognises it (it names `tool_call.name`), so its server parses the calls.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

TEMPLATE_NAME = "chatml_tools.jinja"


def tools_chat_template() -> str:
    return resources.files("punie.runtime").joinpath(TEMPLATE_NAME).read_text(encoding="utf-8")


def template_hash(template: str) -> str:
    """A short, stable fingerprint of a chat template (sha256, first 16 hex digits)."""
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:16]


def model_template_hash(model_dir: Path) -> str | None:
    """The hash of the chat template a model directory ships (`chat_template.jinja` or the
    tokenizer config's `chat_template`), or None when it has none."""
    jinja = model_dir / "chat_template.jinja"
    if jinja.is_file():
        return template_hash(jinja.read_text(encoding="utf-8"))
    config = model_dir / "tokenizer_config.json"
    if config.is_file():
        template = json.loads(config.read_text(encoding="utf-8")).get("chat_template")
        if isinstance(template, str):
            return template_hash(template)
    return None
