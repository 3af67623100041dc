"""The trusted first stage of a sandboxed run on Linux: build the isolation, then exec the command.

Run by `punie.sandbox.linux` as `python launcher.py`, with a JSON spec on stdin and the write end
of a result pipe whose number the spec names. Nothing here runs model-written code: the command is
exec'd only after every layer is in place, in this order (all enforced by the kernel):

1. fresh user (when not root), mount, pid, network, IPC and UTS namespaces (`unshare(2)`);
2. a new root: a tmpfs holding read-only binds of the system and interpreter directories, a
   `/dev` with null/zero/full/random/urandom only, a `/proc` of the new pid namespace, and two
   size- and inode-capped tmpfs mounts, `/workspace` and `/tmp`, the only writable places
   (`pivot_root(2)`, the old root detached);
3. resource limits (CPU, address space, file size, processes, no core dumps);
4. an unprivileged uid of its own (when started as root), so no capability survives, and
   no_new_privs;
5. Landlock: reads and execution only beneath the bound directories, writes only beneath
   `/workspace` and `/tmp`;
6. the parent-death signal, a new session, no inherited descriptor but stdio (and the harness's
   nonce pipe).

The command runs as PID 1 of its pid namespace: when it exits or is killed at the wall limit, the
kernel kills every process left in the namespace (`setsid` daemons included) before this launcher
sees the exit. The workspace is then copied back to the host without following links.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import platform
import resource
import select
import signal
import sys
import time
from typing import Any

from punie.sandbox.tree_copy import DIR_FLAGS, clear_dir, copy_tree, write_files

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
PR_SET_PDEATHSIG = 1
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

# Imported here, before the new root hides site-packages from the child.
try:
    from landlock import FSAccess, Ruleset, landlock_abi_version

    LANDLOCK_ABI: int | None = landlock_abi_version()
    LANDLOCK_MISSING = ""
except Exception as exc:
    LANDLOCK_ABI, LANDLOCK_MISSING = None, f"{exc.__class__.__name__}: {exc}".splitlines()[0]


class SetupError(Exception):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)}")


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
    for path, size, mode in ((WORKSPACE, limits["work_bytes"], "0700"), (TMP, limits["tmp_bytes"], "1777")):
        target = _inside(stage, path)
        os.mkdir(target, 0o755)
        data = f"size={size},nr_inodes={limits['inodes']},mode={mode},uid={owner[0]},gid={owner[1]}"
        _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, data)
    _mount(None, stage, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _landlock(spec: dict[str, Any]) -> str:
    if LANDLOCK_ABI is None:  # no Landlock in this kernel: the namespaces still hold
        return f"Landlock unavailable ({LANDLOCK_MISSING})"
    abi = LANDLOCK_ABI
    everything = FSAccess.all()
    file_rights = FSAccess.all_file()
    read_file = FSAccess.EXECUTE | FSAccess.READ_FILE
    ruleset = Ruleset()
    ruleset.allow("/", rules=FSAccess.READ_DIR)
    for path in [*spec["ro_paths"], "/proc"]:
        if os.path.lexists(path) and not os.path.islink(path):
            ruleset.allow(path, rules=read_file | FSAccess.READ_DIR if os.path.isdir(path) else read_file)
    for name in DEVICES:
        rights = FSAccess.READ_FILE | (FSAccess.WRITE_FILE if name in ("null", "zero", "full") else 0)
        ruleset.allow(f"/dev/{name}", rules=rights & file_rights)
    ruleset.allow(WORKSPACE, TMP, rules=everything)
    ruleset.apply()  # sets no_new_privs first
    return f"Landlock ABI {abi}: reads beneath the bound system dirs, writes beneath /workspace and /tmp"


def _rlimits(limits: dict[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file"], limits["file"]))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child(
    spec: dict[str, Any], root: bool, owner: tuple[int, int], nonce_fd: int | None, report_fd: int
) -> None:
    """PID 1 of the new pid namespace: finish the root, drop everything, exec. Never returns."""
    try:
        stage = spec["stage"]
        os.setsid()
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
        os.chdir(WORKSPACE)
        _rlimits(spec["limits"])
        if root:
            os.setgroups([])
            os.setresgid(owner[1], owner[1], owner[1])
            os.setresuid(owner[0], owner[0], owner[0])
        _check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
        landlock = _landlock(spec)
        os.write(report_fd, json.dumps({"landlock": landlock}).encode() + b"\n")
        os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
        if nonce_fd is not None:
            if nonce_fd != 3:
                os.dup2(nonce_fd, 3)
            os.set_inheritable(3, True)
        # No descriptor of the launcher's (host workspace, result pipe) reaches the command; the
        # report pipe closes itself on exec.
        first = 3 if nonce_fd is None else 4
        os.closerange(first, report_fd)
        os.closerange(report_fd + 1, 65536)
        argv = spec["argv"]
        os.execve(argv[0], argv, spec["env"])
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.write(report_fd, json.dumps({"error": f"{exc.__class__.__name__}: {exc}"}).encode() + b"\n")
    os._exit(127)


def supervise(pid: int, wall: float) -> tuple[int | None, int | None, bool]:
    """Wait for PID 1 until the wall limit; kill it (and so its namespace) past it."""
    pidfd = os.pidfd_open(pid)
    deadline = time.monotonic() + wall
    timed_out = False
    while not select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        if time.monotonic() >= deadline:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
    _, status = os.waitpid(pid, 0)  # returns once every process of the namespace is gone
    os.close(pidfd)
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status), timed_out
    return os.waitstatus_to_exitcode(status), None, timed_out


def run(spec: dict[str, Any]) -> dict[str, Any]:
    root = os.geteuid() == 0
    owner = (spec["uid"], spec["uid"]) if root else (os.getuid(), os.getgid())
    host_dir = os.open(spec["copy_from"], DIR_FLAGS) if spec.get("copy_from") else None
    layers = enter_namespaces(root)
    build_root(spec, owner)
    layers.append("new root: read-only system and interpreter dirs, private /dev, /proc, /tmp")
    work = os.open(_inside(spec["stage"], WORKSPACE), DIR_FLAGS)
    if host_dir is not None:
        copy_tree(host_dir, work, owner if root else None)
    write_files(work, spec.get("files", {}), owner if root else None)
    limits = spec["limits"]
    layers.append(
        f"tmpfs quotas: {limits['work_bytes'] >> 20} MiB workspace, {limits['tmp_bytes'] >> 20} MiB /tmp, "
        f"{limits['inodes']} files each"
    )
    layers.append(
        f"rlimits: {limits['cpu']} s CPU, {limits['memory'] >> 20} MiB memory, "
        f"{limits['processes']} processes"
    )
    layers.append(
        f"a per-run unprivileged uid ({owner[0]} this time), no capabilities, no_new_privs"
        if root
        else "no capabilities, no_new_privs"
    )
    nonce_fd = None
    if spec.get("nonce"):
        nonce_fd, writer = os.pipe()
        os.write(writer, spec["nonce"].encode())
        os.close(writer)
    report_r, report_w = os.pipe2(os.O_CLOEXEC)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        child(spec, root, owner, nonce_fd, fcntl.fcntl(report_w, fcntl.F_DUPFD_CLOEXEC, 256))
    os.close(report_w)
    if nonce_fd is not None:
        os.close(nonce_fd)
    exit_code, killed_by, timed_out = supervise(pid, limits["wall"])
    seconds = time.monotonic() - started
    reports = [json.loads(line) for line in _read_all(report_r).splitlines() if line.strip()]
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        raise SetupError(errors[0])
    layers.extend(r["landlock"] for r in reports if "landlock" in r)
    layers.append("PID 1 of its namespace: every process it started dies with it")
    if spec.get("copy_back") and host_dir is not None:
        clear_dir(host_dir)
        copy_tree(work, host_dir)
    return {
        "exit_code": exit_code,
        "signal": killed_by,
        "timed_out": timed_out,
        "seconds": seconds,
        "layers": layers,
    }


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode()


def main() -> None:
    spec = json.loads(sys.stdin.read())
    result_fd = spec["result_fd"]
    prctl_ok = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    try:
        if not prctl_ok:
            raise SetupError("prctl(PDEATHSIG) failed")
        outcome: dict[str, Any] = run(spec)
    except (SetupError, OSError, ValueError) as exc:
        outcome = {"setup_error": f"{exc}"}
    os.write(result_fd, json.dumps(outcome).encode())
    os.close(result_fd)


if __name__ == "__main__":
    main()
