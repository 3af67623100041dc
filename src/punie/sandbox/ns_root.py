"""The namespaces backend's root: fresh namespaces, then a new root built from read-only binds.

Run by the launcher (trusted host code), never by the command: `enter_namespaces` unshares the
user (when not root), mount, pid, network, IPC and UTS namespaces; `build_root` mounts a tmpfs
holding read-only binds of the system and interpreter directories, a `/dev` with five devices,
and two size- and inode-capped tmpfs mounts, `/workspace` and `/tmp`, the only writable places;
`pivot_into` (in the child, PID 1 of the new pid namespace) makes it the root.
"""

from __future__ import annotations

import ctypes
import os
import platform
from typing import Any

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = (
    1024,
    2048,
    4096,
    16384,
    1 << 18,
    1 << 21,
)
MNT_DETACH = 2
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
DEVICES = ("null", "zero", "full", "random", "urandom")
WORKSPACE, TMP = "/workspace", "/tmp"
# statvfs flag -> mount flag that a read-only remount must keep (locked in a user namespace).
KEPT_FLAGS = (
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
)

libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    """The isolation could not be built; `errno` says why, when a system call said."""

    def __init__(self, message: str, errno: int = 0) -> None:
        super().__init__(message)
        self.errno = errno


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)}", err)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = [None if v is None else v.encode() for v in (source, target, fstype, data)]
    _check(libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]), f"mount {target}")


def _write_proc(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def enter_namespaces(root: bool) -> list[str]:
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if not root:
        uid, gid = os.getuid(), os.getgid()
        _check(libc.unshare(flags | CLONE_NEWUSER), "unshare (user namespaces)")
        _write_proc("/proc/self/setgroups", "deny")
        _write_proc("/proc/self/uid_map", f"{uid} {uid} 1")
        _write_proc("/proc/self/gid_map", f"{gid} {gid} 1")
        return [f"user namespace (uid {uid})", "pid, mount, network, IPC and UTS namespaces"]
    _check(libc.unshare(flags), "unshare")
    return ["pid, mount, network, IPC and UTS namespaces"]


def _inside(stage: str, path: str) -> str:
    return stage + path


def _bind_readonly(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    kept = os.statvfs(source).f_flag
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
    flags |= sum(ms for st, ms in KEPT_FLAGS if kept & st)
    _mount(None, target, None, flags)


def build_root(spec: dict[str, Any], owner: tuple[int, int]) -> None:
    """Mount the sandbox's filesystem under spec['stage'] (in this private mount namespace)."""
    stage, limits = spec["stage"], spec["limits"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    # The run's own tmpfs first: a read-only path inside /tmp (a virtual environment there, such
    # as a CI checkout's) is then bound on top of it, under directories root owns.
    for path, size, mode in ((WORKSPACE, limits["work_bytes"], "0700"), (TMP, limits["tmp_bytes"], "1777")):
        target = _inside(stage, path)
        os.mkdir(target, 0o755)
        data = f"size={size},nr_inodes={limits['inodes']},mode={mode},uid={owner[0]},gid={owner[1]}"
        _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, data)
    for path in spec["ro_paths"]:
        target = _inside(stage, path)
        os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        if os.path.islink(path):
            os.symlink(os.readlink(path), target)
        elif os.path.isdir(path):
            os.mkdir(target, 0o755)
            _bind_readonly(path, target)
        else:
            open(target, "w").close()
            _bind_readonly(path, target)
    os.makedirs(_inside(stage, "/dev"), 0o755, exist_ok=True)
    for name in DEVICES:
        target = _inside(stage, f"/dev/{name}")
        open(target, "w").close()
        _mount(f"/dev/{name}", target, None, MS_BIND)
    os.mkdir(_inside(stage, "/proc"), 0o755)
    os.mkdir(_inside(stage, "/.oldroot"), 0o700)
    _mount(None, stage, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def pivot_into(stage: str) -> None:
    """In the child (PID 1 of the new pid namespace): mount its /proc, make `stage` the root and
    detach the old one."""
    _check(libc.unshare(CLONE_NEWNS), "unshare (mount)")  # the pivot stays ours alone
    _mount("proc", _inside(stage, "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    machine = platform.machine()
    if machine not in PIVOT_ROOT:
        raise SetupError(f"pivot_root: unknown syscall number on {machine}")
    _check(
        libc.syscall(PIVOT_ROOT[machine], stage.encode(), _inside(stage, "/.oldroot").encode()),
        "pivot_root",
    )
    os.chdir("/")
    _check(libc.umount2(b"/.oldroot", MNT_DETACH), "umount old root")
