"""`EvalSettings`, how to evaluate (the one eval-settings type), and `EvalRunConfig`, one eval run:
those settings plus the suite, where the model answers and where the results go.

Checked once in `__post_init__`; `run_evaluation` (runner.py) and the baseline cache (baseline.py)
both read them, so they live apart from either.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.eval.agent_loop import MAX_TURNS
from punie.eval.client import CONNECTION_RETRY_WAITS, SamplingSettings
from punie.eval.suite import EvalSuite
from punie.sandbox import SandboxLimits
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.endpoint import DEFAULT_CONCURRENCY, Endpoint
from punie.serve.engines import AUTO, ENGINE_CHOICES, engine_of

SAMPLING_FIELDS = ("temperature", "top_p", "max_tokens", "seed", "repetition_penalty")


@dataclass(frozen=True)
class EvalSettings:
    """How to evaluate, apart from what (the suite) and where (endpoints, output): punie's one set
    of eval defaults. Every field is sent with each request (`sampling`) or honoured by the runner;
    `punie eval`, experiments, grids, the demo and `punie fuse` all hold one."""

    sampling: SamplingSettings = field(default_factory=lambda: SamplingSettings(seed=0))
    concurrency: int = DEFAULT_CONCURRENCY  # prompts in flight
    prompt_timeout: float | None = None  # seconds per prompt; None: scaled to the measured speed
    max_turns: int = MAX_TURNS  # the agent loop's turns per tool-calling prompt
    unsafe_exec: bool = False  # run model-written code without OS isolation (the user's explicit choice)
    sandbox: SandboxLimits = field(default_factory=SandboxLimits)  # what model-written code may use
    retry_waits: tuple[float, ...] = CONNECTION_RETRY_WAITS  # before retrying a refused connection
    engine: str = AUTO  # which server a managed evaluation starts (punie.serve.engines)

    def __post_init__(self) -> None:
        checks = [
            (self.concurrency >= 1, f"--concurrency must be at least 1, got {self.concurrency}"),
            (
                self.prompt_timeout is None or self.prompt_timeout > 0,
                f"--timeout must be positive, got {self.prompt_timeout}",
            ),
            (self.max_turns >= 1, f"max turns must be at least 1, got {self.max_turns}"),
            (
                self.engine in ENGINE_CHOICES,
                f"--engine must be one of {', '.join(ENGINE_CHOICES)}, got {self.engine!r}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise UsageError(message)

    @property
    def limits(self) -> SandboxLimits:
        return replace(self.sandbox, unsafe_exec=self.unsafe_exec)

    def with_sampling(self, **changes: Any) -> EvalSettings:
        """These settings with some sampling fields changed (a grid's eval axes)."""
        return replace(self, sampling=replace(self.sampling, **changes))

    def recorded(self) -> dict[str, object]:
        """What a report records of these settings (its `settings`, read by the baseline cache and
        by comparisons)."""
        return {
            **{name: getattr(self.sampling, name) for name in SAMPLING_FIELDS},
            "concurrency": self.concurrency,
            "prompt_timeout": self.prompt_timeout,
            "max_turns": self.max_turns,
            "unsafe_exec": self.unsafe_exec,
        }


@dataclass(frozen=True)
class EvalRunConfig:
    suite: EvalSuite
    output_dir: Path
    settings: EvalSettings = field(default_factory=EvalSettings)
    server: ServerConfig | None = None  # the managed server to start (model, adapter, flags)
    manage_server: bool = True
    endpoints: tuple[Endpoint, ...] = ()  # several servers (or a keyed one) sharing the prompts
    model_name: str = SERVED_MODEL_NAME
    resume: bool = False
    baseline: Path | None = None  # a baseline report.json for the adapter proof
    workspace_root: Path | None = None  # where throwaway workspaces go (default: the temp dir)
    extra: dict[str, str] = field(default_factory=dict)  # recorded as-is in the report settings

    def __post_init__(self) -> None:
        if self.manage_server and self.server is None:
            raise UsageError("a managed evaluation needs a server config (or use --no-server --base-url)")
        if not self.manage_server and not self.endpoints:
            raise UsageError("--no-server needs --base-url (e.g. http://127.0.0.1:8080/v1)")

    def recorded(self) -> dict[str, object]:
        """The report's `settings`: the eval settings, and where the model answered."""
        server = self.server
        return {
            **self.settings.recorded(),
            # the engine that answered (never two in one comparison); unknown behind --base-url
            "engine": engine_of(server).name if self.manage_server and server is not None else None,
            "managed_server": self.manage_server,
            "base_url": None if self.manage_server else ", ".join(e.url for e in self.endpoints),
            "server_flags": None
            if server is None
            else {
                "decode_concurrency": server.decode_concurrency,
                "prompt_concurrency": server.prompt_concurrency,
            },
            **self.extra,
        }
