"""Start, watch and stop child engine processes, so none outlives its parent.

Each child gets its own process group (so a signal reaches its whole tree, and the terminal's
Ctrl-C reaches only the parent, which then stops the child in order) and, on Linux, a
parent-death signal: if the Python parent dies, even by SIGKILL, the kernel kills the child.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import psutil

from punie.process_group import signal_group

PR_SET_PDEATHSIG = 1


def _parent_death_guard(parent_pid: int) -> Callable[[], None] | None:
    """A preexec hook that asks the kernel to SIGKILL the child when the parent dies (Linux)."""
    if sys.platform != "linux":
        return None

    def guard() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return guard


async def spawn(
    command: Sequence[str], env: Mapping[str, str], log_path: Path, cwd: Path | None = None
) -> asyncio.subprocess.Process:
    """Start `command` in its own process group, output appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env),
            cwd=str(cwd) if cwd else None,
            start_new_session=True,
            preexec_fn=_parent_death_guard(os.getpid()),
        )


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


async def stop_process(proc: asyncio.subprocess.Process, timeout: float = 10.0) -> int | None:
    """SIGTERM the child's process group, then SIGKILL what is left after `timeout` seconds.

    Safe to call more than once and on a child that already exited. Returns the exit code.
    """
    if proc.returncode is not None:
        return proc.returncode
    strays = _descendants(proc.pid)
    deadline = asyncio.get_running_loop().time() + timeout
    signal_group(proc.pid, signal.SIGTERM)
    try:
        async with asyncio.timeout(timeout):
            await proc.wait()
    except TimeoutError:
        signal_group(proc.pid, signal.SIGKILL)
        await proc.wait()
    # Descendants get what is left of the grace too (a launcher such as mlx.launch exits at once
    # while its ranks save their weights), then die with it, also those that left the group.
    left = max(0.0, deadline - asyncio.get_running_loop().time())
    alive = [p for p in strays if p.is_running()]
    if alive and left:
        _, alive = await asyncio.to_thread(psutil.wait_procs, alive, left)
    for stray in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            stray.kill()
    return proc.returncode


def tail(path: Path, lines: int = 20, skip: re.Pattern[str] | None = None) -> str:
    """The last `lines` lines of a log file ('' when it does not exist), leaving out lines that
    match `skip` (noise such as HTTP access-log lines)."""
    try:
        text = path.read_bytes()[-200_000:].decode("utf-8", "replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if skip is None or not skip.search(line)]
    return "\n".join(kept[-lines:])


async def run_to_end(command: Sequence[str], env: Mapping[str, str], log_path: Path) -> int:
    """Run a child to its end (output appended to `log_path`) and return its exit code; a
    cancelled caller (Ctrl-C) stops the child's whole group before the cancellation goes on."""
    proc = await spawn(command, env, log_path)
    try:
        return await proc.wait()
    except BaseException:
        await stop_process(proc)
        raise
