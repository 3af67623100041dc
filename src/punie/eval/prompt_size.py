"""Refuse prompts longer than the model's context before any is sent: a 5 MB prompt used to be
processed for minutes (issue 31).

A token is at least one byte, so a prompt whose messages and tool schemas, as bytes, fit beside
the answer's `max_tokens` fits for certain and is never tokenized; only a prompt that might not
fit is counted with the model's own tokenizer (`tokenizer.json`, through the `tokenizers`
library, loaded only then). The count leaves out the chat template's few tokens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from punie.errors import UsageError
from punie.eval.suite import EvalPrompt


def prompt_text(prompt: EvalPrompt) -> str:
    """Pure: what the first request of `prompt` sends, as text: its messages and tools."""
    return json.dumps(prompt.conversation(), ensure_ascii=False) + json.dumps(
        prompt.tool_schemas(), ensure_ascii=False
    )


def oversized(prompts: Sequence[EvalPrompt], room: int, count: Callable[[str], int]) -> list[tuple[str, int]]:
    """Pure (but for `count`): each prompt (id, tokens) that does not fit in `room` tokens."""
    found = []
    for prompt in prompts:
        text = prompt_text(prompt)
        if len(text.encode("utf-8")) <= room:
            continue  # a token is at least one byte: it fits
        tokens = count(text)
        if tokens > room:
            found.append((prompt.id, tokens))
    return found


def model_context(model_dir: Path) -> int | None:
    """The model's context in tokens (`max_position_embeddings`), when its config says."""
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        value = config.get("max_position_embeddings")
    except (OSError, ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int) and value > 0 else None


def check_prompt_sizes(prompts: Sequence[EvalPrompt], model_dir: Path, max_tokens: int) -> None:
    """UsageError naming every prompt (id and tokens) too long for the model's context, with
    room for a `max_tokens` answer. Nothing to check without the model's context or tokenizer."""
    context = model_context(model_dir)
    tokenizer_file = model_dir / "tokenizer.json"
    if context is None or not tokenizer_file.is_file():
        return
    room = max(context - max_tokens, 0)
    tokenizer = None

    def count(text: str) -> int:
        nonlocal tokenizer
        if tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(tokenizer_file))
        return len(tokenizer.encode(text).ids)

    found = oversized(prompts, room, count)
    if found:
        listed = ", ".join(f"{pid} ({tokens:,} tokens)" for pid, tokens in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        raise UsageError(
            f"prompt(s) longer than the model's context of {context:,} tokens (less --max-tokens "
            f"{max_tokens} for the answer): {listed}{more}; shorten them or leave them out"
        )
