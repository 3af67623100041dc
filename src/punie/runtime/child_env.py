"""The environment an mlx-lm child process gets: fast BLAS, offline hub, unbuffered output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from punie.errors import PunieError
from punie.runtime.blas import BlasChoice, apply_blas, find_blas

OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


def build_child_env(base: Mapping[str, str], blas: BlasChoice) -> dict[str, str]:
    """Pure: `base` plus the BLAS preload, offline hub access and unbuffered Python output.

    Hub access is switched off: these machines cannot download weights, and a child that tries
    hangs on retries instead of failing. Models are resolved before a child starts.
    """
    env = apply_blas(base, blas)
    for key, value in OFFLINE.items():
        env.setdefault(key, value)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def child_env(blas: BlasChoice | None = None) -> dict[str, str]:
    """The environment for a child started now, from this process's own."""
    return build_child_env(os.environ, find_blas() if blas is None else blas)


def run_module(
    module: str,
    args: Sequence[str],
    what: str,
    timeout: float = 600,
    error: type[PunieError] = PunieError,
) -> str:
    """Run `python -m module args` to completion in a child with `child_env()`; its stdout, or
    `error` naming `what` with the end of its output."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        raise error(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout
