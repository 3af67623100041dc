"""Before a run on a llama.cpp engine: fill every slot with the prefix most prompts share.

The most common opening (the tools offered and the messages before the last) is computed once,
in one slot, by a one-token request of the first prompt that opens so; that slot's cache is
then copied into the others (`punie.serve.slots`). Each prompt that shares the opening then
computes only what follows it, as it would on a server that shares prefixes between slots. On
the built-in suite at 16 slots this saves about 5,000 prompt tokens (benchmarks/README.md).

A warm-up is an optimisation, never a condition: a server that refuses any step is evaluated
cold, as before.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from punie.eval.categories import KINDS
from punie.eval.client import ChatClient, ServerError
from punie.eval.suite import EvalPrompt
from punie.serve.process import ServerProcess
from punie.serve.slots import copy_slot, server_root, slot_count, slot_dir

SOURCE_SLOT = 0


@dataclass(frozen=True)
class Warmup:
    tokens: int  # the shared prefix as the server holds it (the opening prompt's whole request)
    slots: int  # how many slots hold it
    seconds: float

    def recorded(self) -> dict[str, object]:
        return {"tokens": self.tokens, "slots": self.slots, "seconds": round(self.seconds, 2)}


def opening(prompt: EvalPrompt) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pure: the messages and tools of the first request the prompt's run sends."""
    tools = [] if KINDS[prompt.kind].interaction == "single" else prompt.tool_schemas(0)
    return prompt.conversation(), tools


def _shared_part(prompt: EvalPrompt) -> str:
    messages, tools = opening(prompt)
    return json.dumps([messages[:-1], tools], sort_keys=True, default=str)


def warmup_prompt(prompts: Sequence[EvalPrompt]) -> EvalPrompt | None:
    """Pure: the first prompt of the largest group that shares an opening (its tools and the
    messages before its last), when at least two prompts share one that is not empty."""
    empty = json.dumps([[], []])
    keys = [_shared_part(p) for p in prompts]
    counts = Counter(key for key in keys if key != empty)
    if not counts:
        return None
    key, size = counts.most_common(1)[0]
    if size < 2:
        return None
    return prompts[keys.index(key)]


async def warm_slots(
    http: httpx.AsyncClient, client: ChatClient, prompts: Sequence[EvalPrompt], directory: Path
) -> Warmup | None:
    """Compute the shared opening of `prompts` in one slot and copy it into every other slot of
    the server behind `client` (None: nothing is shared, or the server refused a step)."""
    prompt = warmup_prompt(prompts)
    if prompt is None:
        return None
    started = time.monotonic()
    root = server_root(client.endpoint.url)
    headers = client.endpoint.request_headers()
    one_token = replace(client, sampling=replace(client.sampling, max_tokens=1))
    try:
        count = await slot_count(http, root, headers)
        if count < 2:
            return None
        # llama.cpp's own field `id_slot`: which slot computes the opening
        await one_token.complete(http, *opening(prompt), extra={"id_slot": SOURCE_SLOT})
        copied = await copy_slot(http, root, headers, SOURCE_SLOT, count, directory)
    except (httpx.HTTPError, ValueError, ServerError):
        return None
    return Warmup(copied.tokens, copied.slots, time.monotonic() - started)


async def warm_server(
    http: httpx.AsyncClient, server: ServerProcess, client: ChatClient, prompts: Sequence[EvalPrompt]
) -> Warmup | None:
    """Warm a managed server's slots when its engine can copy them (None: it cannot)."""
    if not server.engine.copies_slots:
        return None
    return await warm_slots(http, client, prompts, slot_dir())
