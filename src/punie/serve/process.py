"""`ServerProcess`: one managed server child (`mlx_lm.server`, or another engine of
`punie.serve.engines`), started, proven ready, and always stopped."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

from punie.errors import PortInUseError, ServerStartError
from punie.runtime.child_env import child_env
from punie.runtime.device import resolve_device, with_device
from punie.runtime.models import hub_cache_dir, resolve_model
from punie.runtime.paths import logs_dir, punie_home
from punie.runtime.ports import pick_free_port, pid_listens_on, port_is_free
from punie.runtime.supervise import spawn, stop_process
from punie.serve.config import ServerConfig
from punie.serve.endpoint import DEFAULT_CONCURRENCY, Endpoint
from punie.serve.engines import engine_of
from punie.serve.readiness import RETRYABLE, ProbeRefused, log_excerpt, one_token_completion


class ServerProcess:
    """A managed `mlx_lm.server` (or the engine `config.engine` names).

    `start()` resolves the model (an alias is prepared on first use) and the engine, has the
    engine check the adapter and prepare its weights, checks the port, launches the server in
    its own process group with a parent-death guard, and returns only once a one-token
    completion succeeds from the process it started. `stop()` is idempotent.
    """

    def __init__(
        self,
        config: ServerConfig,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._requested = config
        self.config = config
        self._log_path = log_path
        self._env = env
        self._proc: asyncio.subprocess.Process | None = None
        self.command: list[str] = []
        self.model_dir: Path | None = None
        self._device = "auto"
        self.engine = engine_of(config)

    @property
    def log_path(self) -> Path | None:
        return self._log_path

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def endpoint(self, concurrency: int = DEFAULT_CONCURRENCY) -> Endpoint:
        """Where this server answers, as every client takes it (with how its engine hands back
        tool calls)."""
        return dataclasses.replace(
            self.config.endpoint(concurrency), tool_calls_in_text=self.engine.calls_as_text
        )

    async def _prepare(self) -> ServerConfig:
        requested = dataclasses.replace(self._requested, engine=self.engine.name)
        if not requested.model_path.endswith(".gguf"):
            resolved = await asyncio.to_thread(resolve_model, requested.model_path, "serve")
            self.model_dir = resolved.path  # the MLX copy: its chat template is the one served
        prepared = await self.engine.prepare(requested)
        host, port = prepared.host, prepared.port
        if port == 0:
            port = pick_free_port(host)
        elif not port_is_free(host, port):
            raise PortInUseError(f"port {port} on {host} is already in use; pick another or use --port 0")
        return dataclasses.replace(prepared, port=port)

    async def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it answers a real completion (or raise ServerStartError)."""
        if self.is_running:
            return
        self.config = await self._prepare()
        if self.config.device != "auto":  # auto needs no probe: MLX defaults to the GPU when it has one
            self._device = await asyncio.to_thread(resolve_device, self.config.device)
        self.command = self.engine.command(self.config)
        if self._log_path is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self._log_path = logs_dir() / f"server-{stamp}-{self.config.port}.log"
        env = with_device(self._env if self._env is not None else child_env(), self._device)
        if not hub_cache_dir(env).is_dir():
            # mlx_lm.server's /v1/models scans the hub cache and, without one, answers 200 with an
            # empty body; an empty cache makes it list just the served model.
            empty = punie_home() / "empty-hub-cache"
            empty.mkdir(parents=True, exist_ok=True)
            env = {**env, "HF_HUB_CACHE": str(empty)}
        env = self.engine.child_env(env)
        self._proc = await spawn(self.command, env, self._log_path)
        try:
            await self._wait_ready(timeout)
        except BaseException:
            await self.stop()
            raise

    async def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while True:
                if self._proc.returncode is not None:
                    raise ServerStartError(self._failure(f"exited with code {self._proc.returncode}"))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServerStartError(self._failure(f"was not ready after {timeout:.0f} s"))
                try:
                    status = await one_token_completion(client, self.base_url, min(remaining, 30.0))
                except ProbeRefused:
                    status = None
                if status is not None and status != 200 and status not in RETRYABLE:
                    raise ServerStartError(
                        self._failure(f"answered a test completion with HTTP {status}: it cannot generate")
                    )
                if status == 200:
                    if not pid_listens_on(self._proc.pid, self.config.port):
                        raise ServerStartError(
                            f"another process answers on port {self.config.port}, "
                            "not the server punie started"
                        )
                    return
                await asyncio.sleep(0.25)

    def _failure(self, what: str) -> str:
        log = log_excerpt(self._log_path) if self._log_path else ""
        return f"{self.engine.label} {what} (log: {self._log_path})\n{log}".rstrip()

    async def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout`. Harmless when already stopped."""
        if self._proc is not None:
            await stop_process(self._proc, timeout)

    async def health_check(self, timeout: float = 30.0) -> bool:
        """True when the server process runs and generates a token."""
        if not self.is_running:
            return False
        async with httpx.AsyncClient() as client:
            try:
                return await one_token_completion(client, self.base_url, timeout) == 200
            except ProbeRefused:
                return False

    async def __aenter__(self) -> ServerProcess:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
