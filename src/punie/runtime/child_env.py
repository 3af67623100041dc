"""The environment an mlx-lm child process gets: fast BLAS, offline hub, unbuffered output."""

from __future__ import annotations

import os
from collections.abc import Mapping

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
