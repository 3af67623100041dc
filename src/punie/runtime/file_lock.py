"""An exclusive advisory lock (`flock`) on a lock file, held for a block."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(lock_file: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Held for the block; `on_wait` is told first when another process holds it now."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_beside(path: Path) -> Path:
    """The lock file that guards `path`: `.NAME.lock` in the same directory."""
    return path.with_name(f".{path.name}.lock")
