"""The per-user directories punie writes to. `PUNIE_HOME` overrides the platform cache dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def punie_home(env: dict[str, str] | None = None) -> Path:
    """Root of punie's per-user cache: `$PUNIE_HOME`, else the platform cache dir + `/punie`."""
    env = dict(os.environ) if env is None else env
    if env.get("PUNIE_HOME"):
        return Path(env["PUNIE_HOME"]).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "punie"
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "punie"


def models_dir(env: dict[str, str] | None = None) -> Path:
    return punie_home(env) / "models"


def logs_dir(env: dict[str, str] | None = None) -> Path:
    return punie_home(env) / "logs"
