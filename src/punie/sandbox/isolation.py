"""Which OS isolation contains model-written code here, and one `execute` for every caller.

Backends: `linux-namespaces` (namespaces, a new root, Landlock, seccomp, an unprivileged uid);
`linux-landlock`, chosen automatically where creating the namespaces is refused with EPERM (an
unprivileged user under Ubuntu's `apparmor_restrict_unprivileged_userns`, say): Landlock,
seccomp, rlimits, a subreaper; and `macos-seatbelt`. `PUNIE_SANDBOX_BACKEND=namespaces|landlock`
picks one of the Linux backends by hand. Where none works, code execution fails closed:
`IsolationUnavailable`, one line naming what is missing, unless the user passed `--unsafe-exec`
(`SandboxLimits.unsafe_exec`), which the report and the journal record. Nothing ever falls back
to running unsandboxed by itself.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from dataclasses import dataclass

from punie.errors import PunieError
from punie.sandbox import linux, macos, unsafe
from punie.sandbox.interpreter import sandbox_env, sandbox_python
from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult

CHOICE_VARIABLE = "PUNIE_SANDBOX_BACKEND"
LINUX_CHOICES = {"namespaces": linux.BACKEND, "landlock": linux.LANDLOCK_BACKEND}


class IsolationUnavailable(PunieError):
    """No OS isolation on this machine, and --unsafe-exec was not given."""


@dataclass(frozen=True)
class Isolation:
    backend: str
    available: bool
    layers: tuple[str, ...] = ()
    missing: str = ""  # one line, when not available
    why: str = ""  # why this backend and not the first choice, when it is not


def detect() -> Isolation:
    """The isolation this machine gives (probed once per process and choice)."""
    return _detect(os.environ.get(CHOICE_VARIABLE, ""))


def _probe_linux(backend: str) -> Isolation:
    """Build the real sandbox around a no-op and see it run; raises SandboxSetupError."""
    probe = ExecRequest((sandbox_python(), "-I", "-S", "-c", "pass"))
    result = linux.run(probe, SandboxLimits(wall_seconds=30), backend)
    if result.exit_code != 0:
        detail = result.stderr.strip().splitlines()[-1:] or [f"exit code {result.exit_code}"]
        return Isolation(backend, False, missing=f"the sandbox probe failed: {detail[0]}")
    return Isolation(backend, True, result.layers)


@functools.cache
def _detect(choice: str) -> Isolation:
    if sys.platform == "linux":
        if choice and choice not in LINUX_CHOICES:
            wanted = " or ".join(LINUX_CHOICES)
            return Isolation("none", False, missing=f"{CHOICE_VARIABLE}={choice!r} is not {wanted}")
        first = LINUX_CHOICES.get(choice, linux.BACKEND)
        try:
            return _probe_linux(first)
        except linux.SandboxSetupError as exc:
            refused = exc.errno == errno.EPERM and first == linux.BACKEND and not choice
            if not refused:
                return Isolation(first, False, missing=f"no OS isolation for model-written code ({exc})")
            why = f"namespaces refused ({exc})"
        try:
            found = _probe_linux(linux.LANDLOCK_BACKEND)
        except linux.SandboxSetupError as exc:
            missing = f"no OS isolation for model-written code ({why}; {exc})"
            return Isolation(linux.LANDLOCK_BACKEND, False, missing=missing)
        return Isolation(found.backend, found.available, found.layers, found.missing, why)
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
    if chosen.backend in (linux.BACKEND, linux.LANDLOCK_BACKEND):
        return linux.run(request, limits, chosen.backend)
    env = sandbox_env()
    if chosen.backend == macos.BACKEND:
        return macos.run(request, limits, env)
    return unsafe.run(request, limits, env)
