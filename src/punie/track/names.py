"""Pure helpers every tracker shares: names its stores accept, and what an artifact path holds."""

from __future__ import annotations

import re
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def safe_name(text: str) -> str:
    """`text` as a name every tracker accepts for a run or an artifact (letters, digits, `_.-`)."""
    return _UNSAFE.sub("-", text).strip("-.") or "run"


def top_level_files(path: Path) -> list[Path]:
    """The files an artifact stores: `path` itself, or a directory's own files (not its checkpoint
    or cache subdirectories), in name order."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file())
    return []
