"""OS-enforced isolation for model-written code: hidden tests of code answers, `run_command`.

`execute(ExecRequest, SandboxLimits) -> SandboxResult` runs under the backend `detect()` finds
(Linux namespaces + Landlock, or macOS Seatbelt) and fails closed where there is none.

Names load on first use: the launcher imports `punie.sandbox.tree_copy` and must start fast.
"""

from __future__ import annotations

from punie.lazy_names import lazy_getattr

_WHERE = {
    "ExecRequest": "limits",
    "SandboxLimits": "limits",
    "SandboxResult": "limits",
    "Isolation": "isolation",
    "IsolationUnavailable": "isolation",
    "detect": "isolation",
    "execute": "isolation",
    "require": "isolation",
}
__all__ = sorted(_WHERE)


__getattr__ = lazy_getattr(__name__, _WHERE)
