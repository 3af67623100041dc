"""Render examples through a model's chat template exactly as training and evaluation will."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.data.formats import as_chat
from punie.runtime.chat_template import template_hash
from punie.runtime.hf_tokenizer import load_tokenizer


@dataclass(frozen=True)
class RenderedPair:
    """A training example's text beside the eval prompt for the same conversation and tools."""

    training: str
    eval_prompt: str
    template_hash: str

    @property
    def prefix_matches(self) -> bool:
        """Training text continues the eval prompt: the model learns exactly what eval asks for."""
        return self.training.startswith(self.eval_prompt)


def render_pair(tokenizer: Any, example: dict[str, Any]) -> RenderedPair:
    chat = as_chat(example)
    if chat is None:  # mlx-lm's text format is trained on as it is; there is no eval prompt
        return RenderedPair(str(example["text"]), "", template_hash(str(tokenizer.chat_template or "")))
    messages = chat["messages"]
    tools = chat.get("tools")
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=len(messages))
    training = tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)
    prompt = tokenizer.apply_chat_template(
        messages[:last], tools=tools, tokenize=False, add_generation_prompt=True
    )
    return RenderedPair(str(training), str(prompt), template_hash(str(tokenizer.chat_template or "")))


def render_pairs(examples: Sequence[dict[str, Any]], model_dir: Path, n: int) -> list[RenderedPair]:
    tokenizer = load_tokenizer(model_dir)
    return [render_pair(tokenizer, example) for example in examples[:n]]
