"""The interpreter and environment every backend gives sandboxed code (the base Python, not the venv)."""

from __future__ import annotations

import os
import sys


def interpreter_paths() -> tuple[str, ...]:
    """The directories the sandboxed Python needs: the base installation (not the venv)."""
    return tuple(dict.fromkeys(os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix)))


def sandbox_python() -> str:
    """The base interpreter, by its real path (one that exists inside the Linux sandbox's root)."""
    base = getattr(sys, "_base_executable", sys.executable)
    return os.path.realpath(base)


def sandbox_env(extra_path: str = "") -> dict[str, str]:
    """The whole environment of sandboxed code: nothing of the host's reaches it."""
    path = ":".join(p for p in (extra_path, "/usr/local/bin", "/usr/bin", "/bin") if p)
    return {
        "PATH": path,
        "HOME": "/workspace",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
