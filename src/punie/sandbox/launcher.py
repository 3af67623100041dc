"""The trusted first stage of a sandboxed run on Linux: build the isolation, then exec the command.

Run by `punie.sandbox.linux` as `python launcher.py`, with a JSON spec on stdin and the write end
of a result pipe whose number the spec names. Nothing here runs model-written code: the command is
exec'd only after every layer is in place, in this order (all enforced by the kernel):

1. backend `namespaces`: fresh user (when not root), mount, pid, network, IPC and UTS namespaces
   and a new root of read-only binds with size-capped tmpfs `/workspace` and `/tmp`
   (`ns_root`); backend `landlock` (where unprivileged user namespaces are refused): two private
   host directories, 0700, for the workspace and /tmp, watched against the same caps (`reaper`);
2. the run's memory cap: a cgroup of its own where one is delegated, else a per-process budget
   that bounds the total (`memory_cap`);
3. resource limits (CPU, address space, file size, processes, no core dumps);
4. an unprivileged uid of its own (when started as root), so no capability survives;
5. Landlock: reads and execution only beneath the bound directories, writes only beneath the
   workspace and /tmp; no signals or abstract sockets outside, where the kernel can (`landlock_rules`);
6. a fresh session keyring, then the seccomp filter (`syscall_filter`), no_new_privs;
7. the parent-death signal, a new session, no inherited descriptor but stdio (and the harness's
   nonce pipe).

When the command ends or is killed at a limit, nothing it started survives: the kernel kills its
pid namespace, or (Landlock backend) this launcher, a child subreaper, kills its descendants. The
workspace is then copied back to the host without following links, all or nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import signal
import sys
import time
from typing import Any

from punie.sandbox import landlock_rules, memory_cap, ns_root, reaper, syscall_filter
from punie.sandbox.ns_root import TMP, WORKSPACE, SetupError, libc
from punie.sandbox.tree_copy import DIR_FLAGS, copy_back, copy_tree, write_files

PR_SET_PDEATHSIG = 1
MAX_REPORT_FD = 256


def _rlimits(limits: dict[str, Any], memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file"], limits["file"]))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def places(spec: dict[str, Any]) -> tuple[str, str, str, str]:
    """(workspace, /tmp) as the command sees them, and where the launcher finds them."""
    stage = spec["stage"]
    if spec["backend"] == "namespaces":
        return WORKSPACE, TMP, stage + WORKSPACE, stage + TMP
    return stage + "/workspace", stage + "/tmp", stage + "/workspace", stage + "/tmp"


def child(
    spec: dict[str, Any],
    root: bool,
    owner: tuple[int, int],
    memory: int,
    report_fd: int,
    go_fd: int,
    nonce_fd: int | None,
) -> None:
    """The command's process: wait until the launcher has placed it in its cgroup, finish the
    isolation, drop everything, exec. Never returns."""
    try:
        os.read(go_fd, 1)
        os.close(go_fd)
        os.setsid()
        own_root = spec["backend"] == "namespaces"
        if own_root:
            ns_root.pivot_into(spec["stage"])
        work, tmp, _, _ = places(spec)
        os.chdir(work)
        _rlimits(spec["limits"], memory)
        if root:
            os.setgroups([])
            os.setresgid(owner[1], owner[1], owner[1])
            os.setresuid(owner[0], owner[0], owner[0])
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise SetupError("prctl(PDEATHSIG) failed")
        syscall_filter.join_fresh_session_keyring()
        layers = [landlock_rules.apply(spec, work, tmp, own_root)]
        # Without a pid namespace and as the user's own uid, no file's owner, mode or times may
        # change (Landlock cannot see it), and only Landlock's signal scope keeps the command from
        # signalling the user's processes: without it, seccomp denies signals.
        same_uid = not own_root and not root
        no_signals = same_uid and not landlock_rules.scopes_available()
        layers.append(syscall_filter.install(not own_root, no_signals, no_metadata=same_uid))
        os.write(report_fd, json.dumps({"layers": layers}).encode() + b"\n")
        os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
        if nonce_fd is not None:
            if nonce_fd != 3:
                os.dup2(nonce_fd, 3)
            os.set_inheritable(3, True)
        # No descriptor of the launcher's (host workspace, result pipe) reaches the command; the
        # report pipe closes itself on exec.
        os.closerange(3 if nonce_fd is None else 4, report_fd)
        os.closerange(report_fd + 1, 65536)
        env = dict(spec["env"])
        if not own_root:
            env.update(HOME=work, TMPDIR=tmp)
        os.execve(spec["argv"][0], spec["argv"], env)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.write(report_fd, json.dumps({"error": f"{exc.__class__.__name__}: {exc}"}).encode() + b"\n")
    os._exit(127)


def prepare(spec: dict[str, Any], root: bool, owner: tuple[int, int]) -> list[str]:
    """Build the backend's places (namespaces and root, or private host directories)."""
    if spec["backend"] == "namespaces":
        layers = ns_root.enter_namespaces(root)
        ns_root.build_root(spec, owner)
        layers.append("new root: read-only system and interpreter dirs, private /dev, /proc, /tmp")
        return layers
    reaper.become_subreaper()
    if root:
        os.chmod(spec["stage"], 0o711)  # the run's uid may pass through, not list
    _, _, work, tmp = places(spec)
    for path in (work, tmp):
        os.mkdir(path, 0o700)
        os.chown(path, *owner)
    return [
        "no namespaces (the Landlock backend): the host's root, private 0700 workspace and /tmp directories",
        "a child subreaper: every process the command starts is killed when it ends",
    ]


def run(spec: dict[str, Any]) -> dict[str, Any]:
    root = os.geteuid() == 0
    owner = (spec["uid"], spec["uid"]) if root else (os.getuid(), os.getgid())
    host_dir = os.open(spec["copy_from"], DIR_FLAGS) if spec.get("copy_from") else None
    limits = spec["limits"]
    layers = prepare(spec, root, owner)
    _, _, work_path, tmp_path = places(spec)
    work = os.open(work_path, DIR_FLAGS)
    if host_dir is not None:
        copy_tree(host_dir, work, owner if root else None, max_bytes=limits["work_bytes"])
    write_files(work, spec.get("files", {}), owner if root else None)
    watch = None
    if spec["backend"] == "namespaces":
        layers.append(
            f"tmpfs quotas: {limits['work_bytes'] >> 20} MiB workspace, {limits['tmp_bytes'] >> 20} MiB "
            f"/tmp, {limits['inodes']} files each"
        )
    else:
        watch = reaper.DiskWatch(
            (
                (work_path, limits["work_bytes"], limits["inodes"]),
                (tmp_path, limits["tmp_bytes"], limits["inodes"]),
            )
        )
        layers.append(
            f"disk watchdog: {limits['work_bytes'] >> 20} MiB workspace, {limits['tmp_bytes'] >> 20} MiB "
            f"/tmp, {limits['inodes']} files each, measured every {reaper.WATCH_INTERVAL} s "
            f"({reaper.CLOSE_INTERVAL} s once half full; not a quota)"
        )
    cap = memory_cap.make(limits["memory_total"], limits["memory"], limits["run_processes"])
    layers.append(cap.layer)
    layers.append(
        f"rlimits: {limits['cpu']} s CPU, {cap.per_process >> 20} MiB memory, "
        f"{limits['run_processes']} processes"
    )
    layers.append(
        f"a per-run unprivileged uid ({owner[0]} this time), no capabilities, no_new_privs"
        if root
        else "no capabilities, no_new_privs"
    )
    try:
        return _run_command(spec, root, owner, cap, watch, layers, work)
    finally:
        memory_cap.remove(cap.cgroup)


def _run_command(
    spec: dict[str, Any],
    root: bool,
    owner: tuple[int, int],
    cap: memory_cap.MemoryCap,
    watch: reaper.DiskWatch | None,
    layers: list[str],
    work: int,
) -> dict[str, Any]:
    nonce_fd = None
    if spec.get("nonce"):
        nonce_fd, writer = os.pipe()
        os.write(writer, spec["nonce"].encode())
        os.close(writer)
    report_r, report_w = os.pipe2(os.O_CLOEXEC)
    go_r, go_w = os.pipe2(os.O_CLOEXEC)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        os.close(go_w)
        report = fcntl.fcntl(report_w, fcntl.F_DUPFD_CLOEXEC, MAX_REPORT_FD)
        child(spec, root, owner, cap.per_process, report, go_r, nonce_fd)
    for fd in (report_w, go_r, *((nonce_fd,) if nonce_fd is not None else ())):
        os.close(fd)
    try:
        memory_cap.enter(cap, pid)
    except OSError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    os.write(go_w, b"g")
    os.close(go_w)
    ending = reaper.supervise(pid, spec["limits"]["wall"], watch)
    if spec["backend"] != "namespaces":
        if root:
            reaper.kill_uid(owner[0])
        reaper.kill_descendants()
    seconds = time.monotonic() - started
    reports = [json.loads(line) for line in _read_all(report_r).splitlines() if line.strip()]
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        raise SetupError(errors[0])
    for report in reports:
        layers.extend(report.get("layers", ()))
    layers.append(
        "PID 1 of its namespace: every process it started dies with it"
        if spec["backend"] == "namespaces"
        else "its descendants killed and reaped when it ends"
    )
    copy_error = None
    if spec.get("copy_back") and spec.get("copy_from"):
        copy_error = copy_back(work, spec["copy_from"], spec["limits"]["work_bytes"])
    return {
        "exit_code": ending.exit_code,
        "signal": ending.signal,
        "timed_out": ending.timed_out,
        "over_disk": ending.over_disk,
        "copy_back_error": copy_error,
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
    except SetupError as exc:
        outcome = {"setup_error": f"{exc}", "errno": exc.errno}
    except (OSError, ValueError) as exc:
        outcome = {"setup_error": f"{exc}", "errno": getattr(exc, "errno", 0) or 0}
    os.write(result_fd, json.dumps(outcome).encode())
    os.close(result_fd)


if __name__ == "__main__":
    main()
