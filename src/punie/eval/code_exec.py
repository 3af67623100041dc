"""A code answer's hidden tests, run through `punie.sandbox` (OS isolation) under the
completion-marker harness: a pass needs the marker, not just exit 0."""

from __future__ import annotations

from punie.sandbox import ExecRequest, SandboxLimits, SandboxResult, execute
from punie.sandbox.harness import harness_argv, new_nonce
from punie.sandbox.interpreter import sandbox_python


def run_sandboxed(
    files: dict[str, str], tests_file: str, limits: SandboxLimits = SandboxLimits()
) -> SandboxResult:
    """Write `files` into a fresh sandbox workspace and run `tests_file` (one of them) under the harness."""
    request = ExecRequest(harness_argv(sandbox_python(), tests_file), files=files, nonce=new_nonce())
    return execute(request, limits)
