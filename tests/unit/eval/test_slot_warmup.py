"""The warm-up of a llama.cpp server's slots: which opening is shared, and the requests that copy
it (against a fake of llama.cpp's slot API at the HTTP transport)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from punie.eval.client import ChatClient, SamplingSettings
from punie.eval.slot_warmup import opening, warm_slots, warmup_prompt
from punie.eval.suite import EvalPrompt
from punie.eval.suite_load import load_suite
from punie.serve.endpoint import Endpoint


def reasoning(pid: str, text: str = "What is 2 + 2?") -> EvalPrompt:
    return EvalPrompt(id=pid, category="reasoning", prompt_text=text, expected_answer="4")


def test_the_builtin_suite_warms_with_its_first_tool_calling_prompt() -> None:
    prompts = load_suite().prompts
    chosen = warmup_prompt(prompts)
    first_tool = next(p for p in prompts if p.category == "tool_calling")
    assert chosen == first_tool
    messages, tools = opening(first_tool)
    assert messages[-1]["content"] == first_tool.prompt_text
    assert [t["function"]["name"] for t in tools] == [
        s["function"]["name"] for s in first_tool.tool_schemas(0)
    ]
    assert tools  # the tools are the shared part
    assert opening(reasoning("r"))[1] == []  # a single-answer prompt is offered no tools


def test_nothing_to_warm_without_a_shared_opening() -> None:
    assert warmup_prompt([]) is None
    # Bare user messages share nothing before their last message
    assert warmup_prompt([reasoning("a"), reasoning("b", "What is 3 + 3?")]) is None
    system = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"})
    lone = EvalPrompt(id="s", category="reasoning", prompt_text="Hi", expected_answer="x", messages=system)
    assert warmup_prompt([lone, reasoning("a")]) is None  # one prompt alone is no group
    twin = EvalPrompt(id="t", category="reasoning", prompt_text="Hi", expected_answer="y", messages=system)
    assert warmup_prompt([reasoning("a"), lone, twin]) == lone  # the first of the largest group


@dataclass
class FakeSlots:
    """llama.cpp's slot API as far as the warm-up uses it; `refuse` fails that path."""

    directory: Path
    slots: int = 3
    refuse: str = ""
    seen: list[tuple[str, str, object]] = field(default_factory=list)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path, query = request.url.path, request.url.query.decode()
        body = json.loads(request.content) if request.content else None
        self.seen.append((path, query, body))
        if self.refuse in (path, query) and self.refuse:
            return httpx.Response(501, json={"error": "not supported"})
        if path == "/slots" and request.method == "GET":
            return httpx.Response(200, json=[{"id": i} for i in range(self.slots)])
        if path == "/v1/chat/completions":
            return httpx.Response(200, json={"choices": [{"message": {"content": "x"}}]})
        if query == "action=save":
            (self.directory / body["filename"]).write_bytes(b"kv")
            return httpx.Response(200, json={"id_slot": 0, "filename": body["filename"], "n_saved": 359})
        if query == "action=restore":
            assert (self.directory / body["filename"]).is_file()
            return httpx.Response(200, json={"n_restored": 359})
        return httpx.Response(404)


def client() -> ChatClient:
    return ChatClient(Endpoint("http://llama/v1"), "m", SamplingSettings(max_tokens=96))


async def warm(fake: FakeSlots, prompts: tuple[EvalPrompt, ...]) -> object:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handle)) as http:
        return await warm_slots(http, client(), prompts, fake.directory)


async def test_one_slot_computes_the_opening_and_the_others_restore_it(tmp_path: Path) -> None:
    fake = FakeSlots(tmp_path)
    prompts = load_suite().prompts
    warmup = await warm(fake, prompts)
    assert warmup is not None and (warmup.tokens, warmup.slots) == (359, 3)  # type: ignore[attr-defined]
    paths = [(path, query) for path, query, _ in fake.seen]
    assert paths == [
        ("/slots", ""),
        ("/v1/chat/completions", ""),
        ("/slots/0", "action=save"),
        ("/slots/1", "action=restore"),
        ("/slots/2", "action=restore"),
    ]
    ask = fake.seen[1][2]
    assert isinstance(ask, dict) and ask["id_slot"] == 0 and ask["max_tokens"] == 1
    assert ask["messages"] == opening(prompts[0])[0] and ask["tools"] == opening(prompts[0])[1]
    names = {body["filename"] for _, query, body in fake.seen if query}  # type: ignore[index]
    assert len(names) == 1 and not list(tmp_path.iterdir())  # one file, removed once restored


async def test_a_server_without_the_slot_api_is_evaluated_cold(tmp_path: Path) -> None:
    prompts = load_suite().prompts
    no_api = FakeSlots(tmp_path, refuse="/slots")  # as mlx_lm.server or a hosted API answers
    assert await warm(no_api, prompts) is None
    assert [path for path, _, _ in no_api.seen] == ["/slots"]  # nothing was computed for nothing
    broken = FakeSlots(tmp_path, refuse="action=restore")
    assert await warm(broken, prompts) is None
    assert not list(tmp_path.iterdir())  # the saved cache is removed all the same
    one_slot = FakeSlots(tmp_path, slots=1)
    assert await warm(one_slot, prompts) is None and len(one_slot.seen) == 1
