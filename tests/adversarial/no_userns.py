"""Run a command as on a host that refuses namespaces: `unshare(2)` (and `clone(2)` asking for a new
user namespace) fail with EPERM, as for an unprivileged user under Ubuntu's
`kernel.apparmor_restrict_unprivileged_userns=1` (issue 26, U). punie must then pick its Landlock
backend by itself.

    python tests/adversarial/no_userns.py PROGRAM [ARGS...]
"""

from __future__ import annotations

import errno
import os
import sys

import pyseccomp

CLONE_NEWUSER = 0x10000000


def refuse_namespaces() -> None:
    rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "unshare")
    rules.add_rule(
        pyseccomp.ERRNO(errno.EPERM),
        "clone",
        pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER),
    )
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.load()


if __name__ == "__main__":
    refuse_namespaces()
    os.execv(sys.argv[1], sys.argv[1:])
