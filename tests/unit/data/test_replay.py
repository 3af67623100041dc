"""Replay data: only complete text answers are kept, mixed at the ratio asked, disjoint from the suite."""

from __future__ import annotations

import json

import httpx
import pytest

from punie.data.contamination import find_overlaps
from punie.data.replay import REPLAY_PROMPTS, collect_replay, mix_replay, replay_example
from punie.eval.response import Turn
from punie.eval.suite_load import load_suite
from punie.serve.endpoint import Endpoint


def test_only_complete_text_answers_become_examples() -> None:
    kept = replay_example("What is 15 divided by 3?", Turn("15 divided by 3 is 5.", finish_reason="stop"))
    assert kept is not None and kept["category"] == "replay" and kept["tools"]
    assert [m["role"] for m in kept["messages"]] == ["user", "assistant"]
    assert replay_example("q", Turn("a long answer cut", finish_reason="length")) is None
    assert replay_example("q", Turn("", ({"function": {"name": "ls"}},), "tool_calls")) is None
    assert replay_example("q", Turn("   ", finish_reason="stop")) is None


def test_mix_adds_the_ratio_and_is_seeded() -> None:
    tools = [{"id": i} for i in range(10)]
    replay = [{"r": 1}, {"r": 2}]
    mixed = mix_replay(tools, replay, 0.5, seed=3)
    assert len(mixed) == 15 and sum("r" in m for m in mixed) == 5  # cycled: more wanted than given
    assert mixed == mix_replay(tools, replay, 0.5, seed=3) != mix_replay(tools, replay, 0.5, seed=4)
    assert mix_replay(tools, [], 1.0) != [] and len(mix_replay(tools, [], 1.0)) == 10
    with pytest.raises(ValueError):
        mix_replay(tools, replay, -1)


def test_replay_requests_are_not_eval_prompts() -> None:
    examples = [
        ("replay", i, {"messages": [{"role": "user", "content": p}]}) for i, p in enumerate(REPLAY_PROMPTS)
    ]
    assert find_overlaps(examples, load_suite("builtin").prompts, n=5) == []


async def test_collect_asks_with_the_agent_tools_and_keeps_what_stopped() -> None:
    asked: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        asked.append(body)
        cut = len(asked) % 2 == 0  # every second answer hits max_tokens
        message = {"role": "assistant", "content": f"answer {len(asked)}"}
        choice = {"message": message, "finish_reason": "length" if cut else "stop"}
        return httpx.Response(200, json={"choices": [choice]})

    seen: list[bool] = []
    kept = await collect_replay(
        Endpoint("http://fake/v1"), "default_model", REPLAY_PROMPTS[:4], 64, httpx.MockTransport(answer),
        lambda prompt, ok: seen.append(ok),
    )  # fmt: skip
    assert [k["messages"][1]["content"] for k in kept] == ["answer 1", "answer 3"] and seen == [
        True,
        False,
    ] * 2
    assert all(b["temperature"] == 0.0 and b["max_tokens"] == 64 and b["tools"] for b in asked)
