"""The Landlock rules a sandboxed command runs under, in both Linux backends.

Filesystem: reads and execution beneath the read-only system and interpreter paths, writes
beneath the workspace and the private /tmp only (the `landlock` binding). The namespaces backend
also lets the command read its own pid namespace's /proc and list its own root; the Landlock
backend, which shares the host's root and /proc, allows neither.

Scopes (Landlock ABI 6, kernel 6.12): no signal to a process outside the sandbox, no connection
to an abstract UNIX socket outside it. The binding predates scopes, so this one ruleset is made
with the raw system calls (three numbers and one struct). Where the ABI is older, the Landlock
backend's seccomp filter denies the signal calls instead (see `syscall_filter`).
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

from punie.sandbox.ns_root import DEVICES

# Imported when the launcher starts, before any new root could hide site-packages.
try:
    from landlock import FSAccess, Ruleset, landlock_abi_version

    ABI: int | None = landlock_abi_version()
    MISSING = ""
except Exception as exc:
    ABI, MISSING = None, f"{exc.__class__.__name__}: {exc}".splitlines()[0]

SCOPE_ABI = 6
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
SYS_CREATE_RULESET, SYS_RESTRICT_SELF = 444, 446  # the same numbers on every architecture


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


def scopes_available() -> bool:
    return ABI is not None and ABI >= SCOPE_ABI


def apply(spec: dict[str, Any], work: str, tmp: str, own_root: bool) -> str:
    """Restrict this process (and what it execs) for good; returns the layer's description."""
    if ABI is None:
        if own_root:  # the namespaces still hold
            return f"Landlock unavailable ({MISSING})"
        raise OSError(f"Landlock unavailable ({MISSING})")
    read_file = FSAccess.EXECUTE | FSAccess.READ_FILE
    ruleset = Ruleset()
    if own_root:
        ruleset.allow("/", rules=FSAccess.READ_DIR)
    for path in [*spec["ro_paths"], *(["/proc"] if own_root else [])]:
        if os.path.lexists(path) and not os.path.islink(path):
            ruleset.allow(path, rules=read_file | FSAccess.READ_DIR if os.path.isdir(path) else read_file)
    file_rights = FSAccess.all_file()
    for name in DEVICES:
        rights = FSAccess.READ_FILE | (FSAccess.WRITE_FILE if name in ("null", "zero", "full") else 0)
        ruleset.allow(f"/dev/{name}", rules=rights & file_rights)
    ruleset.allow(work, tmp, rules=FSAccess.all())
    ruleset.apply()  # sets no_new_privs first
    text = f"Landlock ABI {ABI}: reads beneath the bound system dirs, writes beneath the workspace and /tmp"
    if scopes_available():
        _scope(SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET)
        text += "; no signals or abstract sockets outside"
    return text


def _scope(scoped: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    attr = _RulesetAttr(0, 0, scoped)
    fd = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset (scopes)")
    try:
        if libc.syscall(SYS_RESTRICT_SELF, fd, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self (scopes)")
    finally:
        os.close(fd)
