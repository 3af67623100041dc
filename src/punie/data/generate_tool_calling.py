"""A template-based generator of tool-calling chat examples for the agent's tools (each tool's
phrasings come with its declaration in `punie.tools.builtin`).

Every call is a structured `tool_calls` entry (never text) followed by the tool's result and the
final answer, every example offers the same three tools, and about a fifth need no tool at all, so
a trained model also learns when not to call.
"""

from __future__ import annotations

import random
from typing import Any

from punie.data.chat import ChatExample, Message, ToolCall
from punie.tools.builtin import AGENT_TOOLS, TOOLS

NO_TOOL = [
    ("Explain what the `range` function does in Python.", "`range` yields a sequence of integers."),
    ("What is a unit test?", "A small test that checks one piece of code in isolation."),
    ("Greet me, please.", "Hello! How can I help?"),
    ("What is a Python dictionary?", "A mapping from keys to values, e.g. `{'a': 1}`."),
    ("What does HTTP status 500 mean?", "500 means the server hit an internal error."),
    ("What does RAM stand for?", "RAM stands for random-access memory."),
]


def _call(name: str, arguments: dict[str, Any]) -> Message:
    return Message("assistant", "", (ToolCall(name, arguments),))


def _trajectory(
    user: str, call: Message, result: str, answer: str, category: str, whole: bool
) -> list[dict[str, Any]]:
    """The turn the agent loop runs: request -> call, and (when `whole`) also request -> call ->
    the tool's result -> final answer. Each ends in the assistant message it teaches: with
    mask_prompt mlx-lm trains only an example's last message, so a whole trajectory alone would
    teach the final answer and never the call (the model then answers without calling)."""
    tools = tuple(AGENT_TOOLS)
    messages = (Message("user", user), call, Message("tool", result), Message("assistant", answer))
    rows = [ChatExample(messages[:2], tools, category).to_dict()]
    if whole:
        rows.append(ChatExample(messages, tools, category).to_dict())
    return rows


def one_example(rng: random.Random, whole_share: float = 0.5) -> list[dict[str, Any]]:
    """A request for one of the built-in tools (as its declaration phrases it), or a question that
    needs none."""
    picked = rng.choices([*TOOLS, None], weights=[*(t.weight for t in TOOLS), 2])[0]
    whole = rng.random() < whole_share
    if picked is not None:
        example = picked.examples(rng)
        call = _call(picked.name, example.arguments)
        return _trajectory(example.ask, call, example.result, example.answer, picked.name, whole)
    question, answer = rng.choice(NO_TOOL)
    messages = (Message("user", question), Message("assistant", answer))
    return [ChatExample(messages, tuple(AGENT_TOOLS), "no_tool").to_dict()]


def generate_tool_calling(n: int, seed: int = 0, whole_share: float = 0.5) -> list[dict[str, Any]]:
    """Pure: `n` examples, the same for the same seed. Every tool request gives the example that
    ends at its call; `whole_share` of them also give the whole trajectory (see _trajectory)."""
    if not 0 <= whole_share <= 1:
        raise ValueError(f"whole_share must be in [0, 1], got {whole_share}")
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    while len(rows) < n:
        rows.extend(one_example(rng, whole_share))
    return rows[:n]
