"""The hidden-test harness: a pass is earned, never read off an exit status.

The harness itself is `harness_main.py`, run inside the sandbox from its text (`python -I -S -c`):
the tests run in one process (the judge, which alone knows the nonce) against the solution in
another (the runner), and the judge writes the completion marker only after every statement of
the tests ran. The scorer requires the marker at the very end of the output.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from punie.sandbox.harness_main import MARKER

HARNESS = Path(__file__).with_name("harness_main.py").read_text(encoding="utf-8")


def new_nonce() -> str:
    return secrets.token_hex(16)


def completion_marker(nonce: str) -> str:
    return f"{MARKER}:{nonce}"


def take_marker(stdout: str, nonce: str | None) -> tuple[str, bool | None]:
    """(stdout without the harness's marker line, whether it was there; None when not asked for)."""
    if nonce is None:
        return stdout, None
    line = "\n" + completion_marker(nonce) + "\n"
    if stdout.endswith(line):
        return stdout[: -len(line)], True
    return stdout, False


def harness_argv(python: str, tests_file: str, nonce_fd: int = 3) -> tuple[str, ...]:
    return (python, "-I", "-S", "-c", HARNESS, tests_file, str(nonce_fd))
