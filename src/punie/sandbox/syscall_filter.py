"""The seccomp filter and the fresh session keyring every sandboxed command gets on Linux.

Installed by the launcher as the very last step before exec, in both Linux backends. Keyrings are
not namespaced by the mount, pid or network namespaces: without a session keyring of its own, and
without `keyctl`, a model's answer could read the keys of the host's login session and add keys
the host then sees. The filter also denies what Docker's default profile denies and a scored
answer never needs: tracing, kernel modules, BPF, mounts, new namespaces, clocks, swap, reboot.
Where the backend has no network namespace, `socket(2)` is denied too (socketpair stays): an
AF_UNIX socket could reach a host service (a Docker socket is root), an AF_INET one the network.

libseccomp does the BPF (through the `pyseccomp` binding); unknown architectures are killed.
Where the Landlock backend runs as the user's own uid on a kernel without Landlock's signal
scope, the signal calls are denied as well (the command could otherwise kill the user's processes,
punie among them). Denied calls fail with EPERM, so a hostile answer gets an error, not a crash
of the harness.
"""

from __future__ import annotations

import ctypes
import errno

import pyseccomp

# Never needed by a scored answer; each one reaches past the sandbox or the kernel's bookkeeping.
DENIED = (
    # the host's keys (E1)
    "keyctl", "add_key", "request_key",
    # another process's memory
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    # the kernel itself
    "bpf", "perf_event_open", "userfaultfd", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "iopl", "ioperm", "syslog", "lookup_dcookie",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    # the filesystem tree and namespaces, fixed before exec
    "mount", "umount2", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr", "pivot_root", "chroot", "unshare", "setns",
    "open_by_handle_at", "name_to_handle_at", "fanotify_init", "quotactl", "quotactl_fd",
    # the machine
    "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "vhangup", "personality", "uselib", "nfsservctl", "sysfs", "_sysctl",
)  # fmt: skip
NAMESPACE_FLAGS = (0x00020000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x02000000)
KEYCTL_JOIN_SESSION_KEYRING = 1

libc = ctypes.CDLL(None, use_errno=True)


def join_fresh_session_keyring() -> None:
    """Replace the inherited session keyring by a new anonymous one (before the filter denies
    keyctl): the host's session keys are then neither readable nor writable from here."""
    number = pyseccomp.resolve_syscall(pyseccomp.system_arch(), "keyctl")
    if libc.syscall(number, KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"keyctl(JOIN_SESSION_KEYRING): {errno.errorcode.get(err, err)}")


SIGNALS = ("kill", "tkill", "tgkill", "pidfd_send_signal", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
# Landlock does not cover a file's owner, mode, times or extended attributes: as the user's own
# uid, the command could chmod 0777 any file the user owns. (`utimensat` on a descriptor, with no
# path, stays: `touch` of a file it made uses it.)
METADATA = (
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "futimesat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
    "lremovexattr", "fremovexattr", "setxattrat", "removexattrat",
)  # fmt: skip


def denied_names(no_sockets: bool, no_signals: bool, no_metadata: bool = False) -> tuple[str, ...]:
    return (
        *DENIED,
        *(("socket",) if no_sockets else ()),
        *(SIGNALS if no_signals else ()),
        *(METADATA if no_metadata else ()),
    )


def install(no_sockets: bool, no_signals: bool = False, no_metadata: bool = False) -> str:
    """Load the filter into this process (inherited by everything it execs or forks); returns
    the layer's description for the report."""
    rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    deny = pyseccomp.ERRNO(errno.EPERM)
    arch = pyseccomp.system_arch()
    for name in denied_names(no_sockets, no_signals, no_metadata):
        if pyseccomp.resolve_syscall(arch, name) < 0:  # not a syscall on this architecture
            continue
        rules.add_rule(deny, name)
    if no_metadata:  # utimensat with a path (its second argument not NULL)
        rules.add_rule(deny, "utimensat", pyseccomp.Arg(1, pyseccomp.NE, 0))
    # clone(2) with any namespace flag is denied; clone3 passes its flags in memory the filter
    # cannot read, so it answers ENOSYS and the C library falls back to clone(2).
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(deny, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.load()
    what = "keyrings, tracing, BPF, modules, mounts, namespaces, clocks"
    what += ", sockets" if no_sockets else ""
    what += ", signals" if no_signals else ""
    what += ", chmod/chown/utimes/xattrs" if no_metadata else ""
    return f"seccomp: {what} denied; a fresh session keyring"
