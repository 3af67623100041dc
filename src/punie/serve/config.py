"""`ServerConfig` and the pure command builder for `mlx_lm.server`."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from punie.errors import UsageError
from punie.serve.endpoint import DEFAULT_CONCURRENCY, Endpoint

DEFAULT_PORT = 8080
SERVED_MODEL_NAME = "default_model"  # what mlx_lm.server calls the model given by --model


@dataclass(frozen=True)
class ServerConfig:
    """How to run one `mlx_lm.server`.

    The seed's fields come first. `max_kv_size` has no server flag in mlx-lm 0.32 (only
    `mlx_lm.generate` has one), so it is rejected rather than dropped: bound the prompt cache with
    `prompt_cache_bytes` instead. `repetition_penalty` has no server flag either, but the server
    accepts it per request, so `create_server_model` sends it with every request.
    `port=0` picks a free port when the server starts.
    """

    model_path: str
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    adapter_path: str | None = None
    max_kv_size: int | None = None
    repetition_penalty: float | None = None
    chat_template: str | None = None
    chat_template_args: dict[str, Any] = field(default_factory=dict)
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    max_tokens: int | None = None
    prompt_cache_size: int | None = None
    prompt_cache_bytes: int | None = None
    decode_concurrency: int | None = None
    prompt_concurrency: int | None = None
    log_level: str = "INFO"
    device: str = "auto"  # auto | cpu | gpu: where the engine runs (see punie.runtime.device)
    engine: str = "mlx"  # which server runs the model: punie.serve.engines (auto chooses there)
    extra_args: tuple[str, ...] = ()
    # The name /v1/models lists where the engine takes one (llama.cpp's alias; none: the model as
    # named). mlx_lm.server lists its model's path and has no alias option: a client that asked it
    # for a listed name would make it fetch that name from the hub.
    served_name: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise UsageError(f"port {self.port} is out of range (0-65535; 0 picks a free port)")
        if self.max_kv_size is not None:
            raise UsageError(
                "max_kv_size: mlx_lm.server has no --max-kv-size option (only mlx_lm.generate "
                "does); set prompt_cache_bytes to bound the server's KV-cache memory"
            )
        if self.repetition_penalty is not None and self.repetition_penalty < 0:
            raise UsageError(f"repetition_penalty must be >= 0, got {self.repetition_penalty}")
        for name in ("temperature", "top_p", "min_p"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UsageError(f"{name} must be >= 0, got {value}")

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def endpoint(self, concurrency: int = DEFAULT_CONCURRENCY) -> Endpoint:
        """Where this server answers, as every client takes it (its URL is the seed's `base_url`)."""
        return Endpoint(self.base_url, concurrency=concurrency)


def build_server_command(config: ServerConfig, python: str = sys.executable) -> list[str]:
    """Pure: the argv that starts `mlx_lm.server` for `config` (the port must be concrete)."""
    if config.port == 0:
        raise ValueError("resolve port 0 to a free port before building the command")
    # engine_main applies the chosen device, then runs `python -m mlx_lm server ...` unchanged.
    cmd = [python, "-m", "punie.runtime.engine_main", "mlx_lm", "server", "--model", config.model_path]
    cmd += ["--host", config.host, "--port", str(config.port), "--log-level", config.log_level]
    if config.adapter_path:
        cmd += ["--adapter-path", config.adapter_path]
    if config.chat_template:
        cmd += ["--chat-template", config.chat_template]
    if config.chat_template_args:
        cmd += ["--chat-template-args", json.dumps(config.chat_template_args)]
    flags: tuple[tuple[str, object], ...] = (
        ("--temp", config.temperature),
        ("--top-p", config.top_p),
        ("--top-k", config.top_k),
        ("--min-p", config.min_p),
        ("--max-tokens", config.max_tokens),
        ("--prompt-cache-size", config.prompt_cache_size),
        ("--prompt-cache-bytes", config.prompt_cache_bytes),
        ("--decode-concurrency", config.decode_concurrency),
        ("--prompt-concurrency", config.prompt_concurrency),
    )
    for flag, value in flags:
        if value is not None:
            cmd += [flag, str(value)]
    return cmd + list(config.extra_args)
