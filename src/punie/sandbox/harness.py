"""The hidden-test harness: a pass is earned, never read off an exit status.

The harness runs inside the sandbox as `python -I -S -c HARNESS tests.py`. Before any untrusted
code is loaded it reads a nonce from a descriptor (a pipe the launcher filled and closed) and closes it;
it then runs the test file (which imports the solution) and, only when every statement of it has
run without an exception, writes the completion marker carrying the nonce and leaves with
`os._exit(0)` (so no atexit hook or thread of the solution runs after it). The scorer requires
the marker: `sys.exit(0)` at import, `os._exit(0)`, an atexit hook or a killed harness all end
without it.

What this does not stop: code that reads the harness's own memory (walking its frames for the
nonce). That needs the solution and the tests in separate processes; see the sandbox notes.
"""

from __future__ import annotations

import secrets

MARKER = "PUNIE-HIDDEN-TESTS-COMPLETE"

HARNESS = """
import os, sys, traceback
def _punie_main():
    nonce_fd = int(sys.argv[2])
    nonce = os.read(nonce_fd, 256).decode()
    os.close(nonce_fd)
    path = sys.argv[1]
    with open(path, encoding="utf-8") as handle:
        code = compile(handle.read(), path, "exec")
    sys.path.insert(0, os.getcwd())
    sys.argv = [path]
    try:
        exec(code, {"__name__": "__main__", "__file__": path})
    except BaseException:
        traceback.print_exc()
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(1)
    sys.stdout.flush(); sys.stderr.flush()
    os.write(1, ("\\n" + MARKER + ":" + nonce + "\\n").encode())
    os._exit(0)
_punie_main()
""".replace("MARKER", repr(MARKER))


def new_nonce() -> str:
    return secrets.token_hex(16)


def completion_marker(nonce: str) -> str:
    return f"{MARKER}:{nonce}"


def take_marker(stdout: str, nonce: str | None) -> tuple[str, bool | None]:
    """(stdout without the harness's marker line, whether it was there; None when not asked for)."""
    if nonce is None:
        return stdout, None
    line = "\n" + completion_marker(nonce) + "\n"
    if stdout.endswith(line):
        return stdout[: -len(line)], True
    return stdout, False


def harness_argv(python: str, tests_file: str, nonce_fd: int = 3) -> tuple[str, ...]:
    return (python, "-I", "-S", "-c", HARNESS, tests_file, str(nonce_fd))
