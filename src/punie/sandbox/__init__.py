"""OS-enforced isolation for model-written code: hidden tests of code answers, `run_command`.

`execute(ExecRequest, SandboxLimits) -> SandboxResult` runs under the backend `detect()` finds
(Linux namespaces + Landlock, or macOS Seatbelt) and fails closed where there is none.
"""

from punie.sandbox.isolation import Isolation, IsolationUnavailable, detect, execute, require
from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult

__all__ = [
    "ExecRequest",
    "Isolation",
    "IsolationUnavailable",
    "SandboxLimits",
    "SandboxResult",
    "detect",
    "execute",
    "require",
]
