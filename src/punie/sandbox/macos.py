"""macOS backend: a Seatbelt profile applied by `sandbox-exec` before the command starts.

Deny by default; read the system and the interpreter; write only the run's directory; no network;
signals only within the sandbox. Written from Apple's profile language and Codex CLI's published
policy, and checked here only as text: it has not been run on a Mac by this project yet (the
closing note of the sandbox issue says so). The run's directory is a fresh temp dir (or the
workspace in place: Seatbelt checks the resolved path, so a planted link leads nowhere).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from punie.sandbox import unsafe
from punie.sandbox.interpreter import interpreter_paths
from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult

BACKEND = "macos-seatbelt"
SANDBOX_EXEC = "/usr/bin/sandbox-exec"
READ_ROOTS = ("/usr", "/bin", "/System", "/Library/Apple", "/private/etc", "/dev/urandom", "/dev/null")
LAYERS = (
    "Seatbelt profile: deny by default, reads of system and interpreter dirs, writes to the run dir only",
    "no network, signals only inside the sandbox",
    "rlimits, process-group kill",
)


def _quote(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def seatbelt_profile(workdir: str, read_paths: tuple[str, ...]) -> str:
    """The profile text for a run in `workdir` (pure, so it is tested without a Mac)."""
    reads = " ".join(f"(subpath {_quote(p)})" for p in (*READ_ROOTS, *read_paths, workdir))
    return "\n".join(
        [
            "(version 1)",
            "(deny default)",
            "(allow process-exec process-fork)",
            "(allow signal (target same-sandbox))",
            "(allow sysctl-read)",
            "(allow file-read-metadata"
            ' (literal "/") (literal "/private") (literal "/var") (literal "/private/var"))',
            f"(allow file-read* {reads})",
            f'(allow file-write* (subpath {_quote(workdir)}) (literal "/dev/null"))',
            "(deny network*)",
        ]
    )


def available() -> bool:
    return sys.platform == "darwin" and os.path.exists(SANDBOX_EXEC)


def run(request: ExecRequest, limits: SandboxLimits, env: dict[str, str]) -> SandboxResult:
    own_dir = request.workspace is None
    workdir = Path(tempfile.mkdtemp(prefix="punie-seatbelt-")) if own_dir else Path(request.workspace or ".")
    try:
        real = os.path.realpath(workdir)
        profile = seatbelt_profile(real, (*interpreter_paths(), *request.read_paths))
        wrapped = ExecRequest(
            (SANDBOX_EXEC, "-p", profile, *request.argv), request.files, Path(real), False, request.nonce
        )
        result = unsafe.run(wrapped, limits, env)
    finally:
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)
    return SandboxResult(**{**result.__dict__, "isolation": BACKEND, "layers": LAYERS})
