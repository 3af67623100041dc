"""Where requests go: an OpenAI-compatible server's URL, credentials, extra headers and how many
requests it takes at once.

This is the provider half of pydantic-ai's split (provider: where a request goes; model: its wire
format). The eval client (`ChatClient`) and the agent's `create_server_model` both take an
`Endpoint`, so a keyed server (vLLM with `--api-key`, a hosted one) works for either. API keys are
read from the environment at the edge (`--api-key-env NAME`) and never written to a report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from punie.errors import UsageError

LOCAL_API_KEY = "punie-local"  # mlx_lm.server ignores keys; OpenAI clients insist on one
# Requests one endpoint takes at once. Measured with benchmarks/eval_concurrency.py on the embedded
# model, the built-in suite at max_tokens 96 (benchmarks/README.md): mlx_lm.server batches
# concurrent unseeded requests; 16 took 0.62x the wall time of 4, 32 no less, with identical
# responses and no prompt lost once refused connections are retried (eval/client.py).
DEFAULT_CONCURRENCY = 16
ENDPOINT_FIELDS = ("url", "api_key_env", "headers", "concurrency")


@dataclass(frozen=True)
class Endpoint:
    base_url: str  # ends in /v1
    api_key: str = LOCAL_API_KEY
    headers: tuple[tuple[str, str], ...] = ()
    concurrency: int = DEFAULT_CONCURRENCY
    # The server hands tool calls back as the text the model wrote (punie's llama.cpp engine):
    # the client splits them out as mlx_lm.server does (punie.eval.tool_text).
    tool_calls_in_text: bool = False

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise UsageError(f"an endpoint URL starts with http:// or https://, got {self.base_url!r}")
        if self.concurrency < 1:
            raise UsageError(f"an endpoint's concurrency must be at least 1, got {self.concurrency}")

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/")

    def request_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", **dict(self.headers)}


def parse_header(text: str) -> tuple[str, str]:
    """Pure: `Name: value` as a header pair."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise UsageError(f"--header wants 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def api_key_from(env_name: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The key in the environment variable `env_name` (the local placeholder when none is named)."""
    if env_name is None:
        return LOCAL_API_KEY
    key = environ.get(env_name)
    if not key:
        raise UsageError(f"--api-key-env {env_name}: that environment variable is not set")
    return key


def endpoints_from_flags(
    urls: Sequence[str],
    api_key_env: str | None,
    headers: Sequence[str],
    concurrency: int,
    environ: Mapping[str, str] = os.environ,
) -> tuple[Endpoint, ...]:
    """`--base-url` (repeated), sharing one key, the headers and the per-endpoint concurrency."""
    key = api_key_from(api_key_env, environ)
    pairs = tuple(parse_header(h) for h in headers)
    return tuple(Endpoint(url, key, pairs, concurrency) for url in urls)


def endpoints_from_file(path: Path, environ: Mapping[str, str] = os.environ) -> tuple[Endpoint, ...]:
    """An endpoints file: a YAML (or JSON) list of {url, api_key_env?, headers?, concurrency?}.
    Errors name the file, the entry's line and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        nodes = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the endpoints file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML") from None
    if not isinstance(data, list) or not data or nodes is None:
        raise UsageError(f"{path}:1: an endpoints file is a non-empty list of {{url: ...}} entries")
    return tuple(
        _endpoint(entry, f"{path}:{node.start_mark.line + 1}", environ)
        for entry, node in zip(data, nodes.value, strict=True)
    )


def _endpoint(entry: Any, where: str, environ: Mapping[str, str]) -> Endpoint:
    if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
        raise UsageError(f"{where}: url: each endpoint needs a url (a string ending in /v1)")
    unknown = sorted(set(entry) - set(ENDPOINT_FIELDS))
    if unknown:
        raise UsageError(f"{where}: {unknown[0]}: unknown field; known: {', '.join(ENDPOINT_FIELDS)}")
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise UsageError(f"{where}: headers: a mapping of header names to strings")
    concurrency = entry.get("concurrency", DEFAULT_CONCURRENCY)
    if not isinstance(concurrency, int) or isinstance(concurrency, bool):
        raise UsageError(f"{where}: concurrency: an integer, got {concurrency!r}")
    try:
        key = api_key_from(entry.get("api_key_env"), environ)
        return Endpoint(entry["url"], key, tuple((str(k), v) for k, v in headers.items()), concurrency)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None
