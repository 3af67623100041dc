"""Signal a child's whole process group (the child was started in a session of its own): shared by
the engine's supervision (`runtime.supervise`) and the sandbox's reader (`sandbox.drain`)."""

from __future__ import annotations

import contextlib
import os
import signal


def signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
