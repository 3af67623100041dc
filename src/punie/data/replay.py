"""Replay data against forgetting (self-distillation): the base model's own answers to general,
code and reasoning requests, mixed into a tool-calling dataset. Training on them pulls the
adapter towards what the base model already did well, while the tool examples teach the calls.

The answers are generated through the managed server (greedy, tools offered as the agent offers
them), and only complete text answers are kept: a truncated or tool-calling answer would teach
the very habits replay is meant to prevent. The requests are disjoint from the built-in suite
(tests check it with the decontamination linter).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from punie.data.chat import ChatExample, Message
from punie.eval.client import ChatClient, SamplingSettings, ServerError
from punie.eval.response import Turn
from punie.serve.endpoint import Endpoint
from punie.tools.builtin import AGENT_TOOLS

REPLAY_PROMPTS: tuple[str, ...] = (
    "Explain in two sentences what a Python generator is.",
    "What is the difference between a tuple and a list in Python?",
    "Give one tip for naming variables well.",
    "What does the `git commit` command do?",
    "Implement `multiply(x, y)` in Python, returning x times y.",
    "Write Python code for `is_odd(k)`, true when k is odd.",
    "In Python, define `first(seq)` giving the first element of a non-empty sequence.",
    "Show a Python function `double_all(xs)` that doubles every number in a list.",
    "Define `word_count(text)` in Python: the number of whitespace-separated words.",
    "Sara reads 5 pages a day. How many pages does she read in 6 days?",
    "A box holds 8 pens. How many pens are in 4 boxes?",
    "If a train leaves at 3 pm and travels for 2 hours, when does it arrive?",
    "What is 15 divided by 3?",
    "Which is larger, 0.5 or 0.45?",
    # The suite's answer formats ("Answer with the number / the letter"), on other questions: the
    # adapter keeps answering them the way the base model does.
    "Lena has 9 marbles and gives away 2. How many marbles does she have left? Answer with the number.",
    "What is 8 times 3? Answer with the number.",
    "What is 50 minus 18? Answer with the number.",
    "How many hours are in two days? Answer with the number.",
    "A spider has 8 legs. Two spiders have how many legs in total? Answer with the number.",
    "What is a quarter of 40? Answer with the number.",
    "Which ocean is the largest? A) Atlantic B) Pacific C) Indian. Answer with the letter.",
    "Which animal is a mammal? A) Shark B) Whale C) Trout. Answer with the letter.",
    "What number follows 5, 10, 15, 20? Answer with the number.",
    "Pick the smallest: A) 12 B) 4 C) 25. Answer with the letter.",
    "Write a Python function `subtract(a, b)` that returns a minus b.",
    "Write a Python function `cube(n)` that returns n to the power of three.",
)
CONCURRENCY = 4  # requests in flight: mlx_lm.server batches unseeded (greedy) requests


def replay_example(prompt: str, turn: Turn) -> dict[str, Any] | None:
    """Pure: a training example from the base model's answer, or None when it is not a complete
    text answer (cut at max_tokens, a tool call, or empty)."""
    if turn.tool_calls or turn.finish_reason != "stop" or not turn.content.strip():
        return None
    messages = (Message("user", prompt), Message("assistant", turn.content.strip()))
    return ChatExample(messages, tuple(AGENT_TOOLS), "replay").to_dict()


def mix_replay(
    examples: Sequence[dict[str, Any]], replay: Sequence[dict[str, Any]], ratio: float, seed: int = 0
) -> list[dict[str, Any]]:
    """Pure: `examples` plus round(ratio * len(examples)) replay examples (cycled when there are
    fewer), shuffled with `seed`."""
    if ratio < 0:
        raise ValueError("the replay ratio must be 0 or more")
    wanted = round(ratio * len(examples)) if replay else 0
    mixed = list(examples) + [replay[i % len(replay)] for i in range(wanted)]
    random.Random(seed).shuffle(mixed)
    return mixed


def remix_replay(rows: Sequence[dict[str, Any]], ratio: float, seed: int = 0) -> list[dict[str, Any]] | None:
    """Pure: `rows` with its replay answers (category "replay") mixed in again at `ratio` per
    other example (each distinct answer once, cycled; see mix_replay); None when `rows` holds
    no replay answer and `ratio` asks for some."""
    seen: dict[str, dict[str, Any]] = {}
    others = []
    for row in rows:
        if row.get("category") == "replay":
            seen.setdefault(json.dumps(row.get("messages"), sort_keys=True), row)
        else:
            others.append(row)
    if ratio and not seen:
        return None
    return mix_replay(others, list(seen.values()), ratio, seed)


async def collect_replay(
    endpoint: Endpoint,
    model_name: str,
    prompts: Sequence[str] = REPLAY_PROMPTS,
    max_tokens: int = 160,
    transport: httpx.AsyncBaseTransport | None = None,
    on_answer: Callable[[str, bool], None] | None = None,
) -> list[dict[str, Any]]:
    """Ask the server each prompt (greedy, the agent's tools offered); the kept answers as examples."""
    client = ChatClient(
        endpoint, model_name, SamplingSettings(temperature=0.0, max_tokens=max_tokens, seed=0)
    )
    tools = [dict(t) for t in AGENT_TOOLS]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def ask(http: httpx.AsyncClient, prompt: str) -> dict[str, Any] | None:
        async with gate:
            try:
                turn = await client.complete(http, [{"role": "user", "content": prompt}], tools)
            except ServerError:
                turn = Turn("", finish_reason="error")
        example = replay_example(prompt, turn)
        if on_answer is not None:
            on_answer(prompt, example is not None)
        return example

    async with httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=10.0), transport=transport) as http:
        answers = await asyncio.gather(*(ask(http, prompt) for prompt in prompts))
    return [example for example in answers if example is not None]  # in the order of `prompts`
