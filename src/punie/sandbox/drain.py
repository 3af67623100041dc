"""Read a contained process's output through a capped reader, under one deadline.

Only the tail of each stream is kept (OUTPUT_LIMIT characters); past `output_bytes` in all, or past
the deadline, the process group is killed. Draining is inside the deadline too: a child that hands
its pipes to a straggler cannot hold the caller past it (after the kill, at most GRACE seconds
more are spent reading).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

from punie.process_group import signal_group
from punie.sandbox.limits import OUTPUT_LIMIT

CHUNK = 65536
GRACE = 2.0
KEEP_BYTES = OUTPUT_LIMIT * 4  # a UTF-8 character is at most 4 bytes


@dataclass(frozen=True)
class Drained:
    stdout: str
    stderr: str
    side: bytes  # everything read from the side channel (the launcher's result pipe)
    truncated: bool  # more output than was kept
    overflow: bool  # killed for writing more than output_bytes
    deadline_hit: bool  # killed at the deadline


def kill_group(pid: int) -> None:
    signal_group(pid, signal.SIGKILL)


def drain(proc: subprocess.Popen[bytes], side_fd: int | None, deadline: float, output_bytes: int) -> Drained:
    """Read stdout, stderr and `side_fd` until all three close; returns once `proc` has exited."""
    assert proc.stdout is not None and proc.stderr is not None
    tails = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    side = bytearray()
    total, overflow, deadline_hit, killed_at = 0, False, False, None
    selector = selectors.DefaultSelector()
    for fd in [*tails, *([side_fd] if side_fd is not None else [])]:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    try:
        while selector.get_map():
            now = time.monotonic()
            if killed_at is None and now >= deadline:
                deadline_hit, killed_at = True, now
                kill_group(proc.pid)
            if killed_at is not None and now >= killed_at + GRACE:
                break
            limit = (killed_at + GRACE if killed_at is not None else deadline) - now
            for key, _ in selector.select(timeout=max(0.01, limit)):
                fd = key.fd
                try:
                    chunk = os.read(fd, CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    continue
                if fd == side_fd:
                    side.extend(chunk)
                    continue
                total += len(chunk)
                tail = tails[fd]
                tail.extend(chunk)
                del tail[:-KEEP_BYTES]
                if total > output_bytes and killed_at is None:
                    overflow, killed_at = True, time.monotonic()
                    kill_group(proc.pid)
    finally:
        selector.close()
    if killed_at is not None:
        kill_group(proc.pid)
    proc.wait()
    texts = [
        bytes(tails[f.fileno()]).decode("utf-8", "replace")[-OUTPUT_LIMIT:]
        for f in (proc.stdout, proc.stderr)
    ]
    return Drained(texts[0], texts[1], bytes(side), total > KEEP_BYTES, overflow, deadline_hit)
