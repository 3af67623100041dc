"""Ctrl-C during a long command: one line saying what was kept and how to continue, exit 130."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from punie.errors import PunieError


class Interrupted(PunieError):
    exit_code = 130


@contextmanager
def say_what_was_kept(kept: Callable[[], str]) -> Iterator[None]:
    """Turn Ctrl-C inside the block into `Interrupted` with `kept()` (computed after the stop, so
    it counts what is really on disk)."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: {kept()}") from None
