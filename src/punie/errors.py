"""Errors a user can act on: the CLI prints their message on one line and exits with `exit_code`."""

from __future__ import annotations

import sys
from types import TracebackType


class PunieError(Exception):
    """A failure with a message meant for the user, not a traceback."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(PunieError):
    """Bad input from the user (argument, file, config): exit code 2."""

    exit_code = 2


class ModelNotAvailableError(UsageError):
    """A model name that cannot be resolved on this machine without a network."""


class ServerStartError(PunieError):
    """The managed mlx_lm.server did not become ready."""


class PortInUseError(UsageError):
    """The requested port is already bound by another process."""


class AdapterError(UsageError):
    """An adapter directory that is missing, incomplete or built for another model."""


def _punie_excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if isinstance(value, PunieError):
        print(f"error: {value}", file=sys.stderr)
    else:
        sys.__excepthook__(kind, value, tb)


def install_excepthook() -> None:
    """Show an uncaught `PunieError` as one line, not a traceback (the CLI's entry point calls it).

    Only replaces Python's default hook, so IPython, pytest and the like keep theirs; the exit
    code of an uncaught exception stays non-zero.
    """
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _punie_excepthook
