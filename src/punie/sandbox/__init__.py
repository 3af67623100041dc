"""OS-enforced isolation for model-written code: hidden tests of code answers, `run_command`.

`execute(ExecRequest, SandboxLimits) -> SandboxResult` runs under the backend `detect()` finds
(Linux namespaces + Landlock, or macOS Seatbelt) and fails closed where there is none.

Names load on first use: the launcher imports `punie.sandbox.tree_copy` and must start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"punie.sandbox.{_WHERE[name]}"), name)
    raise AttributeError(name)
