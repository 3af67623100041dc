"""Which OS isolation contains model-written code here, and one `execute` for every caller.

Backends: `linux-namespaces` (namespaces, a new root, Landlock, an unprivileged uid), and
`macos-seatbelt`. Where neither works, code execution fails closed: `IsolationUnavailable`, one
line naming what is missing, unless the user passed `--unsafe-exec` (`SandboxLimits.unsafe_exec`),
which the report and the journal record.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

from punie.errors import PunieError
from punie.sandbox import linux, macos, unsafe
from punie.sandbox.interpreter import sandbox_env, sandbox_python
from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult


class IsolationUnavailable(PunieError):
    """No OS isolation on this machine, and --unsafe-exec was not given."""


@dataclass(frozen=True)
class Isolation:
    backend: str
    available: bool
    layers: tuple[str, ...] = ()
    missing: str = ""  # one line, when not available


@functools.cache
def detect() -> Isolation:
    """Probe once per process: build the real sandbox around a no-op and see it run."""
    if sys.platform == "linux":
        probe = ExecRequest((sandbox_python(), "-I", "-S", "-c", "pass"))
        try:
            result = linux.run(probe, SandboxLimits(wall_seconds=30))
        except linux.SandboxSetupError as exc:
            return Isolation(linux.BACKEND, False, missing=f"no OS isolation for model-written code ({exc})")
        if result.exit_code != 0:
            detail = result.stderr.strip().splitlines()[-1:] or [f"exit code {result.exit_code}"]
            return Isolation(linux.BACKEND, False, missing=f"the sandbox probe failed: {detail[0]}")
        return Isolation(linux.BACKEND, True, result.layers)
    if macos.available():
        return Isolation(macos.BACKEND, True, macos.LAYERS)
    return Isolation("none", False, missing=f"no OS isolation for model-written code on {sys.platform}")


def require(allow_unsafe: bool) -> Isolation:
    """The isolation a run will use here; raises the one-line refusal when there is none."""
    return choose(detect(), allow_unsafe)


def choose(found: Isolation, allow_unsafe: bool) -> Isolation:
    """`found`, or the unsafe fallback the user asked for, or the one-line refusal (pure)."""
    if found.available:
        return found
    if allow_unsafe:
        return Isolation(unsafe.BACKEND, True, unsafe.LAYERS)
    raise IsolationUnavailable(
        f"code execution and run_command refused: {found.missing}; "
        "pass --unsafe-exec to run model-written code without isolation (recorded in the report)"
    )


def execute(request: ExecRequest, limits: SandboxLimits) -> SandboxResult:
    """Run `request` under the best isolation here (or refuse)."""
    chosen = require(limits.unsafe_exec)
    if chosen.backend == linux.BACKEND:
        return linux.run(request, limits)
    env = sandbox_env()
    if chosen.backend == macos.BACKEND:
        return macos.run(request, limits, env)
    return unsafe.run(request, limits, env)
