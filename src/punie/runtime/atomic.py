"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Each write goes to a hidden temp file beside the target, is fsynced, and is renamed over it; a
failed write (full disk, read-only directory) removes its temp file and leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def temp_beside(path: Path, suffix: str = "") -> Path:
    """The hidden temp file a write of `path` goes through (`suffix` keeps a needed extension)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{suffix}")


TEMP_NAME = re.compile(r"^\..+\.\d+\.tmp(\.\w+)?$")


def remove_stale_temps(directory: Path) -> list[str]:
    """Remove the temp files of writes that a kill cut short (their targets are whole); return
    their names."""
    removed = []
    if directory.is_dir():
        for path in directory.iterdir():
            if TEMP_NAME.match(path.name) and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path.name)
    return sorted(removed)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(path: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path to write; on success it is fsynced and renamed to `path`, on any
    failure it is removed and `path` is untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(path, suffix)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` whole or not at all. A lone surrogate (a model's text may hold one) is written
    as its escape, never an error that would lose the file."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8", errors="backslashreplace")


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")
