"""An exclusive advisory lock (`flock`) on a lock file, held for a block."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(lock_file: Path) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_beside(path: Path) -> Path:
    """The lock file that guards `path`: `.NAME.lock` in the same directory."""
    return path.with_name(f".{path.name}.lock")
