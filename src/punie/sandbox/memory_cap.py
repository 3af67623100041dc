"""One cap on the memory of a whole sandboxed run, not only of each of its processes.

`RLIMIT_AS` is per process: 32 processes of 1 GiB each could take more than the machine has.
Where the host delegates a cgroup v2 subtree with the memory and pids controllers (systemd does
for a user's session; a container may), the run gets a cgroup of its own with `memory.max` at the
total, no swap, and `pids.max` at the process limit, killed whole afterwards. Elsewhere the total
is a budget: each process's address space is the total divided by the process limit, so the run
together stays under it. `MemoryCap.layer` says which of the two is in force (report, doctor).
Run by the launcher, on the host's side of every namespace.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass

CONTROLLERS = ("memory", "pids")


@dataclass(frozen=True)
class MemoryCap:
    per_process: int  # RLIMIT_AS of each process
    cgroup: str | None  # the run's own cgroup directory, when one could be made
    layer: str


def budget(total: int, per_process: int, processes: int) -> int:
    """Each process's address space under a total budget (pure)."""
    return max(1, min(per_process, total // processes))


def delegated_cgroup(mountinfo: str, proc_cgroup: str, exists=os.path.isdir) -> str | None:
    """This process's cgroup v2 directory, read from /proc/self/mountinfo and /proc/self/cgroup
    (pure but for `exists`); None without a unified hierarchy."""
    own = next((line[3:] for line in proc_cgroup.splitlines() if line.startswith("0::")), None)
    if own is None:
        return None
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        if right.split(" ", 1)[0] != "cgroup2":
            continue
        fields = left.split()
        mount_root, mount_point = fields[3], fields[4]
        if own == mount_root or own.startswith(mount_root.rstrip("/") + "/"):
            path = mount_point + own[len(mount_root.rstrip("/")) :]
            if exists(path):
                return path.rstrip("/") or "/"
    return None


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def make(total: int, per_process: int, processes: int, parent: str | None = None) -> MemoryCap:
    """A cgroup for the run where one is delegated to us (below `parent`, by default this
    process's own cgroup), otherwise the per-process budget."""
    if parent is None:
        parent = delegated_cgroup(_read("/proc/self/mountinfo"), _read("/proc/self/cgroup"))
    enabled = _read(f"{parent}/cgroup.subtree_control").split() if parent else []
    if parent and all(c in enabled for c in CONTROLLERS) and os.access(parent, os.W_OK):
        path = f"{parent}/punie-sandbox-{secrets.token_hex(6)}"
        try:
            os.mkdir(path)
            _write(f"{path}/memory.max", str(total))
            with contextlib.suppress(OSError):
                _write(f"{path}/memory.swap.max", "0")
            _write(f"{path}/pids.max", str(processes))
            return MemoryCap(
                per_process,
                path,
                f"cgroup v2: {total >> 20} MiB and {processes} processes for the whole run",
            )
        except OSError:
            remove(path)
    each = budget(total, per_process, processes)
    return MemoryCap(
        each,
        None,
        f"memory budget (no delegated cgroup): {each >> 20} MiB x {processes} processes "
        f"<= {total >> 20} MiB for the whole run",
    )


def enter(cap: MemoryCap, pid: int) -> None:
    if cap.cgroup is not None:
        _write(f"{cap.cgroup}/cgroup.procs", str(pid))


def remove(path: str | None) -> None:
    """Kill whatever is left in the run's cgroup and remove it."""
    if path is None:
        return
    with contextlib.suppress(OSError):
        _write(f"{path}/cgroup.kill", "1")
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)
