"""The hidden-test harness, run inside the sandbox as `python -I -S -c <this file's text> TESTS FD`.

Two processes, so that a pass is earned and cannot be forged from inside the solution:

- the *judge* (this process) makes itself non-dumpable (no same-uid ptrace, no /proc/PID/mem or
  /fd of it), forks the *runner*, then reads the nonce from fd FD, reads the tests and deletes
  the file, and only then lets the runner go;
- the *runner* closes the nonce descriptor before anything else, imports the solution (the only
  untrusted code) and answers calls: function name + literal arguments in, a literal result out;
- the judge runs the tests against a stand-in `solution` module whose functions forward to the
  runner, reading every answer with `ast.literal_eval` (data, never code). When every statement
  of the tests has run, it kills the runner and writes the completion marker with the nonce.

The runner never holds the nonce or the tests, and cannot read the judge's memory: `sys.exit(0)`,
`os._exit(0)`, atexit hooks, killing the judge or printing a guessed marker all end without it.
Limits: tests call module-level names with literal arguments and compare literal results (the
built-in suite and HumanEval do); a solution whose result is not a Python literal fails. A name
that is a builtin is never taken from the solution (the tests' `abs` stays Python's), so an entry
point may not be called like a builtin.
Standard library only: this text runs under the sandbox's bare interpreter.
"""

import ast
import builtins
import ctypes
import os
import signal
import struct
import sys
import traceback
import types

MARKER = "PUNIE-HIDDEN-TESTS-COMPLETE"
MAX_FRAME = 4 << 20
PR_SET_DUMPABLE = 4


def send(fd, text):
    data = text.encode("utf-8", "surrogatepass")
    payload = struct.pack(">I", len(data)) + data
    while payload:
        payload = payload[os.write(fd, payload) :]


def recv(fd):
    header = read_exactly(fd, 4)
    if header is None:
        return None
    (size,) = struct.unpack(">I", header)
    if size > MAX_FRAME:
        raise RuntimeError(f"the solution sent {size} bytes in one answer")
    body = read_exactly(fd, size)
    return None if body is None else body.decode("utf-8", "surrogatepass")


def read_exactly(fd, size):
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def runner(requests, answers):
    """The child: import the solution and answer calls. Everything after the import is untrusted."""
    sys.path.insert(0, os.getcwd())
    try:
        import solution
    except BaseException as exc:
        send(answers, repr(("import_error", f"{type(exc).__name__}: {exc}")))
        os._exit(1)
    names = {}
    for name, value in vars(solution).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        names[name] = ("call",) if callable(value) else ("value", value)
    send(answers, repr(("names", names)))
    while (message := recv(requests)) is not None:
        name, args, kwargs = ast.literal_eval(message)
        try:
            reply = ("ok", getattr(solution, name)(*args, **kwargs))
        except BaseException as exc:
            reply = ("raise", type(exc).__name__, str(exc)[:500])
        send(answers, repr(reply))
    os._exit(0)


def answer(answers):
    text = recv(answers)
    if text is None:
        raise RuntimeError("the solution's process ended during the tests")
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise RuntimeError(
            f"the solution answered with a value that is not a literal: {text[:200]}"
        ) from None


def stand_in(requests, answers):
    """A `solution` module in the judge whose functions run in the runner."""
    kind, *rest = answer(answers)
    if kind != "names":
        raise ImportError(f"the solution failed to import: {rest[0] if rest else kind}")
    module = types.ModuleType("solution")

    def forward(name):
        def call(*args, **kwargs):
            send(requests, repr((name, args, kwargs)))
            reply = answer(answers)
            if reply[0] == "ok":
                return reply[1]
            error = getattr(builtins, str(reply[1]), None)
            if isinstance(error, type) and issubclass(error, Exception):
                raise error(reply[2])
            raise RuntimeError(f"{name} raised {reply[1]}: {reply[2]}")

        call.__name__ = name
        return call

    # A name the tests take from the builtins (abs, len, sorted, AssertionError, ...) keeps its
    # meaning: the solution's own `abs` would otherwise answer for the tests' `abs` and forge a pass.
    exported = [name for name in rest[0] if not hasattr(builtins, name)]
    for name in exported:
        entry = rest[0][name]
        setattr(module, name, forward(name) if entry[0] == "call" else entry[1])
    module.__all__ = exported
    return module


def judge():
    tests_path, nonce_fd = sys.argv[1], int(sys.argv[2])
    if ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        os._exit(1)
    requests_r, requests_w = os.pipe()
    answers_r, answers_w = os.pipe()
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(nonce_fd)
        for fd in (requests_w, answers_r, go_w):
            os.close(fd)
        os.read(go_r, 1)
        os.close(go_r)
        runner(requests_r, answers_w)
    for fd in (requests_r, answers_w, go_r):
        os.close(fd)
    nonce = os.read(nonce_fd, 256).decode()
    os.close(nonce_fd)
    with open(tests_path, encoding="utf-8") as handle:
        code = compile(handle.read(), tests_path, "exec")
    os.unlink(tests_path)
    os.write(go_w, b"g")
    os.close(go_w)
    try:
        sys.modules["solution"] = stand_in(requests_w, answers_r)
        exec(code, {"__name__": "__main__", "__file__": tests_path})
    except BaseException:
        traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, f"\n{MARKER}:{nonce}\n".encode())
    os._exit(0)


if __name__ == "__main__":
    judge()
