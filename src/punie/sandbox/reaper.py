"""How the launcher waits for a command, stops it at its limits, and leaves nothing behind.

Namespaces backend: the command is PID 1 of its pid namespace, so when it dies the kernel kills
every process of the namespace. Landlock backend: there is no pid namespace, so the launcher is a
child subreaper (an orphaned descendant, `setsid` daemons included, is re-parented to it) and,
once the command ends, kills and reaps its children until none is left; started as root, the run
has a uid of its own, and every process of that uid is killed at once (`kill_uid`), by the
launcher and again by the host once the launcher is gone (had the host to kill a launcher slowed
past its deadline, its orphans would otherwise outlive it). There the workspace and
/tmp are plain host directories, so a watchdog also measures them while the command runs and
kills it once they hold more than the caps (the backend's disk cap is measured, not a quota).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import time
from dataclasses import dataclass

from punie.sandbox.tree_copy import tree_usage

PR_SET_CHILD_SUBREAPER = 36
WATCH_INTERVAL = 0.01  # seconds between two measurements of the Landlock backend's directories
CLOSE_INTERVAL = 0.001  # ... once they hold half their cap: a fast writer gets 1 ms past it, not 10


@dataclass(frozen=True)
class DiskWatch:
    """Directories to measure, each with its caps: (path, bytes, entries)."""

    caps: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Ending:
    exit_code: int | None
    signal: int | None
    timed_out: bool
    over_disk: bool = False


def become_subreaper() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _fill(watch: DiskWatch) -> float:
    """The fullest directory's share of its cap (over 1: past it)."""
    fullest = 0.0
    for path, max_bytes, max_entries in watch.caps:
        used, count = tree_usage(path, max(max_bytes, max_entries))
        fullest = max(fullest, used / max_bytes, count / max_entries)
    return fullest


def supervise(pid: int, wall: float, watch: DiskWatch | None = None) -> Ending:
    """Wait for `pid` until the wall limit (and, with `watch`, while its directories stay under
    their caps); kill it past either."""
    pidfd = os.pidfd_open(pid)
    deadline = time.monotonic() + wall
    timed_out = over_disk = False
    interval = WATCH_INTERVAL
    while True:
        left = max(0.0, deadline - time.monotonic())
        if select.select([pidfd], [], [], min(left, interval) if watch else left)[0]:
            break
        fill = _fill(watch) if watch is not None else 0.0
        interval = CLOSE_INTERVAL if fill > 0.5 else WATCH_INTERVAL
        if time.monotonic() >= deadline:
            timed_out = True
        elif fill > 1:
            over_disk = True
        else:
            continue
        os.kill(pid, signal.SIGKILL)
        break
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    if os.WIFSIGNALED(status):
        return Ending(None, os.WTERMSIG(status), timed_out, over_disk)
    return Ending(os.waitstatus_to_exitcode(status), None, timed_out, over_disk)


def _descendants(ancestor: int) -> list[int]:
    """Every live (not zombie) process below `ancestor`, read from /proc's parent links."""
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(name))
    found, pending = [], [ancestor]
    while pending:
        for pid in parents.get(pending.pop(), ()):
            found.append(pid)
            pending.append(pid)
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def kill_descendants(rounds: int = 1000) -> None:
    """Kill every descendant of this (subreaper) process until none is left. Each round stops
    the whole tree first (a stopped process forks no more), then kills it; what a process forked
    before it was stopped is found by the next round. Orphans come here to be reaped."""
    me = os.getpid()
    for _ in range(rounds):
        tree = _descendants(me)
        if not tree:
            break
        _signal_all(tree, signal.SIGSTOP)
        _signal_all(tree, signal.SIGKILL)
        _reap()
    _reap()


def kill_uid(uid: int, rounds: int = 100) -> None:
    """Kill every process of `uid` (a per-run uid no one else uses): a helper takes the uid and
    calls kill(-1), which the kernel applies to all of them at once, forks included, until none
    is left. Needs root; a no-op for a uid that has no process."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(rounds):
                os.kill(-1, signal.SIGKILL)
        except BaseException:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
