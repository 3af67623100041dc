"""The eval's two ways of running model-written code, both through `punie.sandbox` (OS isolation):

- `run_sandboxed(files, tests_file)`: a code answer's hidden tests, under the completion-marker
  harness (a pass needs the marker, not just exit 0);
- `run_shell_sandboxed(command, workspace)`: the agent's `run_command`, `/bin/sh -c` over a copy of
  the workspace that is copied back (links as links) when it ends.
"""

from __future__ import annotations

from pathlib import Path

from punie.sandbox import ExecRequest, SandboxLimits, SandboxResult, execute
from punie.sandbox.harness import harness_argv, new_nonce
from punie.sandbox.interpreter import sandbox_python

__all__ = ["SandboxLimits", "SandboxResult", "run_sandboxed", "run_shell_sandboxed"]


def run_sandboxed(
    files: dict[str, str], tests_file: str, limits: SandboxLimits = SandboxLimits()
) -> SandboxResult:
    """Write `files` into a fresh sandbox workspace and run `tests_file` (one of them) under the harness."""
    request = ExecRequest(harness_argv(sandbox_python(), tests_file), files=files, nonce=new_nonce())
    return execute(request, limits)


def run_shell_sandboxed(
    command: str, workdir: Path, limits: SandboxLimits = SandboxLimits()
) -> SandboxResult:
    """`/bin/sh -c command` in the sandbox, over (a copy of) the workspace `workdir`."""
    return execute(ExecRequest(("/bin/sh", "-c", command), workspace=workdir, sync_back=True), limits)
