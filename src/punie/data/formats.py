"""mlx-lm's three dataset formats, recognised in one place.

- `chat`: `{"messages": [...], "tools": [...]}` (punie's own, and mlx-lm's);
- `completions`: `{"prompt": "...", "completion": "..."}`, which mlx-lm renders through the chat
  template as a user turn and an assistant turn;
- `text`: `{"text": "..."}`, trained on as it is (no template);
- `preference`: `{"prompt": [...], "chosen": [...], "rejected": [...], "tools": [...]}`, TRL's
  conversational preference layout (the messages before the answer, then two answers), which
  `punie dataset sample` writes and `punie train --method dpo` reads.
"""

from __future__ import annotations

from typing import Any, Literal

Format = Literal["chat", "completions", "text", "preference"]

# A directory `punie dataset sample` writes: its summary, its passing answers as chat examples and
# its pairs (the training methods read the one they train on: punie.train.methods).
SAMPLE_SUMMARY = "sample.json"
SAMPLED_EXAMPLES = "sft"
SAMPLED_PAIRS = "pairs"


def example_format(example: Any) -> Format | None:
    """Which format a parsed line is written in (None: none of them)."""
    if not isinstance(example, dict):
        return None
    if "messages" in example:
        return "chat"
    if "chosen" in example and "rejected" in example:
        return "preference"
    if "prompt" in example and "completion" in example:
        return "completions"
    if "text" in example:
        return "text"
    return None


def as_chat(example: dict[str, Any]) -> dict[str, Any] | None:
    """The conversation mlx-lm trains on for a chat or completions example (None for text)."""
    if example_format(example) == "completions":
        return {
            "messages": [
                {"role": "user", "content": example["prompt"]},
                {"role": "assistant", "content": example["completion"]},
            ]
        }
    return example if example_format(example) == "chat" else None


def preference_chats(example: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two conversations a preference example compares: its prompt followed by the chosen
    answer, and by the rejected one (each with the example's tools)."""
    prompt = list(example.get("prompt") or [])
    tools = {"tools": example["tools"]} if example.get("tools") else {}
    return (
        {"messages": prompt + list(example.get("chosen") or []), **tools},
        {"messages": prompt + list(example.get("rejected") or []), **tools},
    )
