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


SHARED_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3")


def reachable_by_others(path: str) -> bool:
    """Whether a uid that owns nothing can execute `path`: every directory above it searchable
    and the file itself readable and executable by others."""
    real = os.path.realpath(path)
    try:
        if os.stat(real).st_mode & 0o005 != 0o005:
            return False
        parent = os.path.dirname(real)
        while True:
            if not os.stat(parent).st_mode & 0o001:
                return False
            if parent == os.path.dirname(parent):
                return True
            parent = os.path.dirname(parent)
    except OSError:
        return False


def python_for_other_uid(python: str) -> str | None:
    """`python`, or a system Python 3 that a per-run uid can reach when `python` lives under a
    directory only its owner may enter (a root user's pyenv). The harness and the hidden tests
    need the standard library alone. None when there is no such interpreter."""
    if reachable_by_others(python):
        return python
    return next((p for p in SHARED_PYTHONS if reachable_by_others(p)), None)
