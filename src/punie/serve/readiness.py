"""Probes that tell a live `mlx_lm.server` from one that only looks alive.

`/health` and `/v1/models` keep answering 200 while the generation thread is dead or deadlocked
(mlx-lm issue 1834), so readiness and health are a real one-token chat completion.
"""

from __future__ import annotations

import httpx

from punie.serve.config import SERVED_MODEL_NAME

PROBE_BODY = {
    "model": SERVED_MODEL_NAME,
    "messages": [{"role": "user", "content": "Hi"}],
    "max_tokens": 1,
    "temperature": 0.0,
}


class ProbeRefused(Exception):
    """Nothing accepted the connection yet (the server is still loading)."""


async def one_token_completion(client: httpx.AsyncClient, base_url: str, timeout: float) -> bool:
    """True when the server generated a completion; raises ProbeRefused while nobody listens."""
    try:
        response = await client.post(f"{base_url}/chat/completions", json=PROBE_BODY, timeout=timeout)
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise ProbeRefused(str(exc)) from exc
    except httpx.TimeoutException:
        return False
    if response.status_code != 200:
        return False
    try:
        choices = response.json().get("choices") or []
    except ValueError:
        return False
    return bool(choices) and "message" in choices[0]
