"""The HTTP shell around `/v1/chat/completions`: one request in, one `Turn` out, errors classified."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from punie.errors import UsageError
from punie.eval.response import Turn
from punie.eval.tool_text import split_tool_text
from punie.serve.endpoint import Endpoint

CONNECTION_RETRY_WAITS = (0.25, 0.5, 1.0, 2.0, 4.0)  # seconds before each retry of a refused connection


@dataclass(frozen=True)
class SamplingSettings:
    """How each completion is sampled: every field is sent with every request (`build_request`)."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 256
    seed: int | None = None  # sent only when sampling (temperature > 0)
    repetition_penalty: float | None = None  # mlx_lm.server takes it per request, not as a flag

    def __post_init__(self) -> None:
        checks = [
            (self.max_tokens >= 1, f"--max-tokens must be at least 1, got {self.max_tokens}"),
            (self.temperature >= 0, f"--temperature must be 0 or more, got {self.temperature}"),
            (0 < self.top_p <= 1, f"--top-p must be in (0, 1], got {self.top_p}"),
            (
                self.repetition_penalty is None or self.repetition_penalty >= 0,
                f"repetition_penalty must be 0 or more, got {self.repetition_penalty}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise UsageError(message)


class ServerError(Exception):
    """The server answered with an error, or could not be reached."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def build_request(
    model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]], sampling: SamplingSettings
) -> dict[str, Any]:
    """Pure: the JSON body. `seed` is sent only when sampling (temperature > 0): greedy decoding
    needs none, and mlx_lm.server serves seeded requests one at a time instead of batching them."""
    body: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "max_tokens": sampling.max_tokens,
        "stream": False,
    }
    if tools:
        body["tools"] = tools
    if sampling.seed is not None and sampling.temperature > 0:
        body["seed"] = sampling.seed
    if sampling.repetition_penalty is not None:
        body["repetition_penalty"] = sampling.repetition_penalty
    return body


def turn_from_completion(data: dict[str, Any]) -> Turn:
    """Pure: the first choice of a chat completion as a `Turn`."""
    try:
        choice = data["choices"][0]
        message = choice.get("message") or {}
    except (KeyError, IndexError, TypeError):
        raise ServerError(f"malformed completion: {str(data)[:200]}") from None
    return Turn(
        content=message.get("content") or "",
        tool_calls=tuple(message.get("tool_calls") or ()),
        finish_reason=choice.get("finish_reason"),
    )


@dataclass(frozen=True)
class ChatClient:
    """The wire format (OpenAI chat completions) to one `Endpoint`."""

    endpoint: Endpoint
    model: str
    sampling: SamplingSettings
    retry_waits: tuple[float, ...] = CONNECTION_RETRY_WAITS

    async def complete(
        self,
        http: httpx.AsyncClient,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        extra: Mapping[str, Any] | None = None,
    ) -> Turn:
        """One chat completion; `extra` adds a server's own body fields (llama.cpp's `id_slot`)."""
        body = {**build_request(self.model, messages, tools, self.sampling), **(extra or {})}
        # ASCII escapes: a model's own tool arguments may hold a lone surrogate (not UTF-8)
        payload = json.dumps(body).encode()
        headers = {**self.endpoint.request_headers(), "Content-Type": "application/json"}
        response = await self._post(http, payload, headers)
        if response.status_code != 200:
            raise ServerError(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            turn = turn_from_completion(response.json())
        except ValueError:
            raise ServerError(f"not JSON: {response.text[:200]}") from None
        return split_tool_text(turn) if self.endpoint.tool_calls_in_text else turn

    async def _post(self, http: httpx.AsyncClient, payload: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST, retrying a refused or reset connection after each of `retry_waits` (seconds):
        mlx_lm.server's listen backlog is the standard library's 5, so a burst of requests can be
        refused while the server is up and busy. Only when every retry fails is it unreachable."""
        for wait in (*self.retry_waits, None):
            try:
                return await http.post(
                    f"{self.endpoint.url}/chat/completions", content=payload, headers=headers
                )
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if wait is None:
                    raise ServerError(f"server unreachable: {exc!r}", unreachable=True) from None
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def generation_rate(self, http: httpx.AsyncClient, prompt: str, max_tokens: int) -> float:
        """Tokens per second of one short greedy completion (usage's count, else ~4 characters a token)."""
        body = build_request(
            self.model, [{"role": "user", "content": prompt}], [], SamplingSettings(0.0, 1.0, max_tokens)
        )
        started = time.monotonic()
        try:
            response = await http.post(
                f"{self.endpoint.url}/chat/completions",
                json=body,
                headers=self.endpoint.request_headers(),
                timeout=600.0,
            )
            data = response.json()
            text = (data["choices"][0].get("message") or {}).get("content") or ""
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise ServerError(f"the speed probe failed: {exc}") from None
        seconds = max(time.monotonic() - started, 1e-3)
        tokens = (data.get("usage") or {}).get("completion_tokens") or max(1, len(text) // 4)
        return float(tokens) / seconds
