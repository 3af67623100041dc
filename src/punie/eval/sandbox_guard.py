"""Runs first inside the sandbox child: a Python audit hook that cannot be removed from Python.

It refuses network use, process creation, native-code loading (ctypes) and any write outside the
working directory. It is the second layer: the first is the OS (rlimits, own process group, an
unprivileged user when started as root, a private network namespace where the kernel allows).

Usage: python -I .../punie/eval/sandbox_guard.py WORKDIR SCRIPT  (run by punie.eval.sandbox only;
by path, so it works however punie itself is installed: `-I` ignores PYTHONPATH)
"""

from __future__ import annotations

import os
import sys

BLOCKED_PREFIXES = (
    "socket.",
    "subprocess.",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "ctypes.",
    "pty.",
    "os.kill",
    "os.killpg",
    "signal.pthread_kill",
)
BLOCKED_MODULES = {"ctypes", "_ctypes", "_posixsubprocess", "mmap"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def install(workdir: str) -> None:
    root = os.path.realpath(workdir)

    def inside(path: object) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor
        text = os.fsdecode(path) if isinstance(path, bytes | str) else str(path)
        real = os.path.realpath(os.path.join(root, text))
        return real == root or real.startswith(root + os.sep)

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event.startswith(BLOCKED_PREFIXES):
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event == "import" and args and str(args[0]).split(".")[0] in BLOCKED_MODULES:
            raise PermissionError(f"sandbox: importing {args[0]} is not allowed")
        if event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS
            )
            if writing and not inside(path):
                raise PermissionError(f"sandbox: writing {path!r} outside the sandbox is not allowed")
        if (
            event
            in {
                "os.remove",
                "os.rename",
                "os.rmdir",
                "os.mkdir",
                "os.chmod",
                "os.truncate",
                "shutil.rmtree",
            }
            and args
            and not inside(args[0])
        ):
            raise PermissionError(f"sandbox: {event} outside the sandbox is not allowed")

    sys.addaudithook(hook)


def main() -> None:
    workdir, script = sys.argv[1], sys.argv[2]
    with open(script, encoding="utf-8") as handle:
        source = handle.read()
    code = compile(source, script, "exec")
    sys.argv = [script]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [workdir] + [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    install(workdir)
    exec(code, {"__name__": "__main__", "__file__": script})


if __name__ == "__main__":
    main()
