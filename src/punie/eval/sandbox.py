"""Run model-written code in a contained child process. LLM-generated code is hostile.

Layers, outermost first:
1. its own temporary directory as working dir, HOME and TMPDIR; a scrubbed environment (no
   inherited variable, so no secret, reaches it);
2. resource limits: CPU seconds, address space, file size, process count, no core dumps;
3. its own session / process group, killed as a whole at the wall-clock timeout;
4. on Linux a private network namespace (`unshare(CLONE_NEWNET)`: no interface but a downed
   loopback) when the kernel allows it (root, or unprivileged user namespaces);
5. always, inside the child, a Python audit hook (`punie.eval.sandbox_guard`) that refuses
   sockets, process creation, ctypes and writes outside the working dir. This is also the
   fallback where no network namespace can be made; `SandboxResult.network_namespace` says which.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNET = 0x40000000
OUTPUT_LIMIT = 20_000


@dataclass(frozen=True)
class SandboxLimits:
    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 << 20
    processes: int = 64


@dataclass(frozen=True)
class SandboxResult:
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    network_namespace: bool

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def _new_netns() -> bool:
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(CLONE_NEWNET) == 0


NOBODY = 65534


def _limit(limits: SandboxLimits, netns: bool, drop_root: bool = False) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if netns:
            _new_netns()
        if drop_root:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)

    return apply


@functools.cache
def netns_available() -> bool:
    """Can a child get a private network namespace here? (Checked in a throwaway child.)"""
    if sys.platform != "linux":
        return False
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import ctypes,sys; sys.exit(0 if ctypes.CDLL(None).unshare(0x40000000) == 0 else 1)",
        ],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


def run_sandboxed(
    files: dict[str, str], entry: str, limits: SandboxLimits = SandboxLimits()
) -> SandboxResult:
    """Write `files` into a fresh temp dir and run `entry` (one of them) with Python, contained."""
    netns = netns_available()
    workdir = Path(tempfile.mkdtemp(prefix="punie-sandbox-"))
    try:
        for name, text in files.items():
            target = (workdir / name).resolve()
            if workdir.resolve() not in target.parents:
                raise ValueError(f"sandbox file {name!r} escapes the sandbox")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        guard = str(Path(__file__).with_name("sandbox_guard.py"))
        command = [sys.executable, "-I", guard, str(workdir), str(workdir / entry)]
        return _run_contained(command, workdir, limits, netns)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _scrubbed_env(workdir: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }


def _run_contained(
    command: list[str], workdir: Path, limits: SandboxLimits, netns: bool, drop_root: bool = False
) -> SandboxResult:
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=workdir,
        env=_scrubbed_env(workdir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_limit(limits, netns, drop_root),
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid)
        out, err = proc.communicate()
    _kill_group(proc.pid)  # anything it left behind in its group
    return SandboxResult(
        exit_code=proc.returncode,
        stdout=out.decode("utf-8", "replace")[-OUTPUT_LIMIT:],
        stderr=err.decode("utf-8", "replace")[-OUTPUT_LIMIT:],
        timed_out=timed_out,
        seconds=time.monotonic() - started,
        network_namespace=netns,
    )


def run_shell_sandboxed(
    command: str, workdir: Path, limits: SandboxLimits = SandboxLimits()
) -> SandboxResult:
    """The agent's `run_command`: `/bin/sh -c command` in `workdir` (the throwaway workspace), with
    the same environment scrub, limits, process-group kill and network namespace. A shell has no
    audit hook, so two more rules hold: no network namespace, no run (the result says so); and run
    as root, it drops to the `nobody` user, so it can write only the workspace and world-writable
    places, never the user's files."""
    if not netns_available():
        return SandboxResult(
            126, "", "run_command refused: no network namespace on this machine", False, 0.0, False
        )
    if os.geteuid() == 0:
        for path in [workdir, *workdir.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
    return _run_contained(["/bin/sh", "-c", command], workdir, limits, True, drop_root=os.geteuid() == 0)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, 9)
