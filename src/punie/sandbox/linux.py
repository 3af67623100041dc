"""Linux backends (see `launcher.py`): `linux-namespaces` (namespaces, a new root, Landlock, seccomp,
an unprivileged uid), and `linux-landlock` where unprivileged user namespaces are refused
(Landlock, seccomp, rlimits, a subreaper, no namespaces).

The host side only builds the launcher's spec (a pure function), starts it, and reads its output
through the capped reader. The wall limit is enforced twice: by the launcher, which kills the
command's pid namespace, and here, a little later, by killing the launcher's process group (the
command then dies of its parent-death signal).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from punie.errors import PunieError
from punie.sandbox.drain import drain
from punie.sandbox.harness import take_marker
from punie.sandbox.interpreter import interpreter_paths, python_for_other_uid, sandbox_env, sandbox_python
from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult
from punie.sandbox.reaper import kill_uid
from punie.sandbox.tree_copy import remove_tree

LAUNCHER = str(Path(__file__).with_name("launcher.py"))
BACKEND = "linux-namespaces"
LANDLOCK_BACKEND = "linux-landlock"
LAUNCHER_BACKEND = {BACKEND: "namespaces", LANDLOCK_BACKEND: "landlock"}
SETUP_MARGIN = 5.0  # seconds the host waits past the wall limit before killing the launcher
# The Landlock backend's launcher ends its run by killing what the command left (no pid namespace
# does it): under load that takes longer, and killing the launcher midway would orphan the rest.
CLEANUP_MARGIN = {BACKEND: SETUP_MARGIN, LANDLOCK_BACKEND: 30.0}
UID_RANGE = (1_100_000, 1_900_000)  # per-run uids when started as root: no other process shares one
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "alternatives",
    "passwd",
    "group",
    "nsswitch.conf",
)


class SandboxSetupError(PunieError):
    """The isolation itself could not be built (not the command's fault)."""

    def __init__(self, message: str, errno: int = 0) -> None:
        super().__init__(message)
        self.errno = errno


def read_only_paths(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Existing paths to bind read-only, none inside another (a link stays a link)."""
    wanted = [*SYSTEM_PATHS, *(f"/etc/{name}" for name in ETC_FILES), *interpreter_paths(), *extra]
    chosen: list[str] = []
    for path in wanted:
        if not os.path.lexists(path):
            continue
        if any(
            path == kept or path.startswith(kept.rstrip("/") + "/")
            for kept in chosen
            if not os.path.islink(kept)
        ):
            continue
        chosen.append(path)
    return tuple(chosen)


def process_budget(limits: SandboxLimits) -> int:
    """RLIMIT_NPROC counts every task (process or thread) of the real uid: as root the run gets a
    uid of its own, otherwise the user's own count is added so the limit means 'this many more'."""
    if os.geteuid() == 0:
        return limits.processes
    mine = sum(
        p.info["num_threads"] or 1
        for p in psutil.process_iter(["uids", "num_threads"])
        if p.info["uids"] and p.info["uids"].real == os.getuid()
    )
    return limits.processes + mine


def build_spec(
    request: ExecRequest,
    limits: SandboxLimits,
    stage: str,
    result_fd: int,
    uid: int,
    backend: str = BACKEND,
) -> dict[str, Any]:
    return {
        "backend": LAUNCHER_BACKEND[backend],
        "argv": list(request.argv),
        "env": sandbox_env(os.path.dirname(sandbox_python())),
        "stage": stage,
        "ro_paths": list(read_only_paths(request.read_paths)),
        "files": dict(request.files),
        "copy_from": str(request.workspace) if request.workspace is not None else None,
        "copy_back": request.sync_back,
        "nonce": request.nonce,
        "uid": uid,
        "result_fd": result_fd,
        "limits": {
            "wall": limits.wall_seconds,
            "cpu": limits.cpu_seconds,
            "memory": limits.memory_bytes,
            "memory_total": limits.memory_total_bytes,
            "run_processes": limits.processes,
            "file": limits.file_bytes,
            "processes": process_budget(limits),
            "work_bytes": limits.work_bytes,
            "tmp_bytes": limits.tmp_bytes,
            "inodes": limits.inodes,
        },
    }


def launcher_env() -> dict[str, str]:
    """The launcher is trusted host code: it imports punie and landlock however they are installed."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }


def for_run_uid(request: ExecRequest) -> ExecRequest:
    """Without a new root, a per-run uid reaches only world-searchable paths: the sandbox's own
    interpreter is swapped for a system one where it lives in a private home."""
    if request.argv[0] != sandbox_python():
        return request
    python = python_for_other_uid(request.argv[0])
    if python is None:
        raise SandboxSetupError(f"no Python the sandbox's uid can run ({request.argv[0]} is private)")
    return replace(request, argv=(python, *request.argv[1:]))


def run(request: ExecRequest, limits: SandboxLimits, backend: str = BACKEND) -> SandboxResult:
    # Landlock started as root: the run's own uid, on the host's root, with no pid namespace
    own_uid_on_host = backend == LANDLOCK_BACKEND and os.geteuid() == 0
    if own_uid_on_host:
        request = for_run_uid(request)
    started = time.monotonic()
    stage = tempfile.mkdtemp(prefix="punie-root-")
    reader, writer = os.pipe()
    try:
        uid = secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0]
        spec = build_spec(request, limits, stage, writer, uid, backend)
        proc = subprocess.Popen(
            [sys.executable, "-S", LAUNCHER],  # -S: the path comes whole in PYTHONPATH
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(writer,),
            start_new_session=True,
            env=launcher_env(),
        )
        os.close(writer)
        writer = -1
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(spec).encode())
        proc.stdin.close()
        out = drain(
            proc, reader, started + limits.wall_seconds + CLEANUP_MARGIN[backend], limits.output_bytes
        )
    finally:
        if own_uid_on_host:
            kill_uid(uid)  # whatever a launcher killed at the deadline left behind
        for fd in (reader, writer):
            if fd >= 0:
                os.close(fd)
        remove_tree(stage)
    try:
        outcome = json.loads(out.side.decode() or "{}")
    except json.JSONDecodeError:
        outcome = {}
    if not outcome and not (out.overflow or out.deadline_hit):
        raise SandboxSetupError(f"the sandbox launcher died: {out.stderr.strip()[-300:] or 'no output'}")
    if outcome.get("setup_error"):
        raise SandboxSetupError(
            f"the sandbox could not be built: {outcome['setup_error']}", outcome.get("errno") or 0
        )
    stdout, completed = take_marker(out.stdout, request.nonce)
    notes = [
        *(["[output limit reached: killed]"] if out.overflow else []),
        *(["[disk limit reached: killed]"] if outcome.get("over_disk") else []),
        *([f"[{outcome['copy_back_error']}]"] if outcome.get("copy_back_error") else []),
    ]
    return SandboxResult(
        exit_code=None if out.overflow or outcome.get("over_disk") else outcome.get("exit_code"),
        stdout=stdout,
        stderr=out.stderr + "".join("\n" + note for note in notes),
        timed_out=bool(outcome.get("timed_out")) or out.deadline_hit,
        seconds=time.monotonic() - started,
        isolation=backend,
        output_truncated=out.truncated or out.overflow,
        completed=completed,
        layers=tuple(outcome.get("layers", ())),
    )
