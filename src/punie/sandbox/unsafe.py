"""`--unsafe-exec`: run with resource limits and a process-group kill only, NO isolation.

Only reached when the user asked for it explicitly on a machine with no OS isolation; the report
and the journal record that the run was unsafe. Files go to a fresh temp dir (or the workspace
itself), the environment is scrubbed, but the code can read and write whatever the user can.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from punie.sandbox.drain import drain
from punie.sandbox.harness import take_marker
from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult
from punie.sandbox.tree_copy import DIR_FLAGS, write_files

BACKEND = "unsafe"
LAYERS = ("NO isolation (--unsafe-exec): rlimits and a process-group kill only",)


def _rlimits(limits: SandboxLimits) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run(request: ExecRequest, limits: SandboxLimits, env: dict[str, str]) -> SandboxResult:
    started = time.monotonic()
    own_dir = request.workspace is None
    workdir = Path(tempfile.mkdtemp(prefix="punie-unsafe-")) if own_dir else Path(request.workspace or ".")
    reader = writer = -1
    try:
        root = os.open(workdir, DIR_FLAGS)
        try:
            write_files(root, dict(request.files))
        finally:
            os.close(root)
        argv = list(request.argv)
        if request.nonce is not None:
            reader, writer = os.pipe()
            os.write(writer, request.nonce.encode())
            os.close(writer)
            writer = -1
            argv[-1] = str(reader)
        proc = subprocess.Popen(
            argv,
            cwd=workdir,
            env={**env, "HOME": str(workdir), "TMPDIR": str(workdir)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(reader,) if reader >= 0 else (),
            start_new_session=True,
            preexec_fn=_rlimits(limits),
        )
        if reader >= 0:
            os.close(reader)
            reader = -1
        out = drain(proc, None, started + limits.wall_seconds, limits.output_bytes)
    finally:
        for fd in (reader, writer):
            if fd >= 0:
                os.close(fd)
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)
    stdout, completed = take_marker(out.stdout, request.nonce)
    return SandboxResult(
        exit_code=None if out.overflow or out.deadline_hit else proc.returncode,
        stdout=stdout,
        stderr=out.stderr,
        timed_out=out.deadline_hit,
        seconds=time.monotonic() - started,
        isolation=BACKEND,
        output_truncated=out.truncated or out.overflow,
        completed=completed,
        layers=LAYERS,
    )
