"""`EvalRunConfig`: what one eval run asks (suite, where the model answers, sampling, limits).

Checked once in `__post_init__`; `run_evaluation` (runner.py) and the baseline cache (baseline.py)
both read it, so it lives apart from either.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from punie.errors import UsageError
from punie.eval.agent_loop import MAX_TURNS
from punie.eval.client import SamplingSettings
from punie.eval.suite import EvalSuite
from punie.sandbox import SandboxLimits
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.endpoint import DEFAULT_CONCURRENCY, Endpoint


@dataclass(frozen=True)
class EvalRunConfig:
    suite: EvalSuite
    output_dir: Path
    server: ServerConfig | None = None  # the managed server to start (model, adapter, flags)
    manage_server: bool = True
    endpoints: tuple[Endpoint, ...] = ()  # several servers (or a keyed one) sharing the prompts
    model_name: str = SERVED_MODEL_NAME
    concurrency: int = DEFAULT_CONCURRENCY
    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 256
    seed: int | None = 0
    prompt_timeout: float | None = None  # seconds per prompt; None: scaled to the measured speed
    max_turns: int = MAX_TURNS
    resume: bool = False
    baseline: Path | None = None  # a baseline report.json for the adapter proof
    workspace_root: Path | None = None  # where throwaway workspaces go (default: the temp dir)
    unsafe_exec: bool = False  # run model-written code without OS isolation (the user's explicit choice)
    sandbox: SandboxLimits = field(default_factory=SandboxLimits)  # what model-written code may use
    extra: dict[str, str] = field(default_factory=dict)  # recorded as-is in the report settings

    def __post_init__(self) -> None:
        if self.manage_server and self.server is None:
            raise UsageError("a managed evaluation needs a server config (or use --no-server --base-url)")
        if not self.manage_server and not self.endpoints:
            raise UsageError("--no-server needs --base-url (e.g. http://127.0.0.1:8080/v1)")
        checks = [
            (self.concurrency >= 1, f"--concurrency must be at least 1, got {self.concurrency}"),
            (self.max_tokens >= 1, f"--max-tokens must be at least 1, got {self.max_tokens}"),
            (self.temperature >= 0, f"--temperature must be 0 or more, got {self.temperature}"),
            (0 < self.top_p <= 1, f"--top-p must be in (0, 1], got {self.top_p}"),
            (
                self.prompt_timeout is None or self.prompt_timeout > 0,
                f"--timeout must be positive, got {self.prompt_timeout}",
            ),
            (self.max_turns >= 1, f"max turns must be at least 1, got {self.max_turns}"),
        ]
        for ok, message in checks:
            if not ok:
                raise UsageError(message)

    @property
    def limits(self) -> SandboxLimits:
        return replace(self.sandbox, unsafe_exec=self.unsafe_exec)

    @property
    def sampling(self) -> SamplingSettings:
        penalty = self.server.repetition_penalty if self.server is not None else None
        return SamplingSettings(self.temperature, self.top_p, self.max_tokens, self.seed, penalty)

    def settings(self) -> dict[str, object]:
        server = self.server
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "concurrency": self.concurrency,
            "prompt_timeout": self.prompt_timeout,
            "max_turns": self.max_turns,
            "managed_server": self.manage_server,
            "unsafe_exec": self.unsafe_exec,
            "base_url": None if self.manage_server else ", ".join(e.url for e in self.endpoints),
            "server_flags": None
            if server is None
            else {
                "repetition_penalty": server.repetition_penalty,
                "decode_concurrency": server.decode_concurrency,
                "prompt_concurrency": server.prompt_concurrency,
            },
            **self.extra,
        }
