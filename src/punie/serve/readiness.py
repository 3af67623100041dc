"""Probes that tell a live `mlx_lm.server` from one that only looks alive.

`/health` and `/v1/models` keep answering 200 while the generation thread is dead or deadlocked
(mlx-lm issue 1834), so readiness and health are a real one-token chat completion.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from punie.runtime.supervise import tail
from punie.serve.config import SERVED_MODEL_NAME

PROBE_BODY = {
    "model": SERVED_MODEL_NAME,
    "messages": [{"role": "user", "content": "Hi"}],
    "max_tokens": 1,
    "temperature": 0.0,
}


class ProbeRefused(Exception):
    """Nothing accepted the connection yet (the server is still loading)."""


TIMED_OUT = -1
MALFORMED = -2
# Answers a server gives while it is still loading or busy; anything else non-200 is final.
RETRYABLE = {TIMED_OUT, 429, 503}


async def one_token_completion(client: httpx.AsyncClient, base_url: str, timeout: float) -> int:
    """HTTP status of a one-token completion (200 only when it holds a message).

    Returns TIMED_OUT or MALFORMED for those cases; raises ProbeRefused while nobody listens.
    """
    try:
        response = await client.post(f"{base_url}/chat/completions", json=PROBE_BODY, timeout=timeout)
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise ProbeRefused(str(exc)) from exc
    except httpx.TimeoutException:
        return TIMED_OUT
    if response.status_code != 200:
        return response.status_code
    try:
        choices = response.json().get("choices") or []
    except ValueError:
        return MALFORMED
    return 200 if choices and "message" in choices[0] else MALFORMED


ACCESS_LOG = re.compile(r'"(GET|POST|PUT|DELETE|OPTIONS) /')


def log_excerpt(path: Path, lines: int = 15) -> str:
    """The end of a server log without its access-log lines (a failing start floods them)."""
    return tail(path, lines, skip=ACCESS_LOG)
