"""Each hostile behaviour is contained and reported, and the machine is unharmed after."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

from punie.eval.sandbox import SandboxLimits, run_sandboxed

FAST = SandboxLimits(wall_seconds=5, cpu_seconds=3)


def run(code: str, limits: SandboxLimits = FAST):
    return run_sandboxed({"main.py": code}, "main.py", limits)


def test_ordinary_code_and_tests_run() -> None:
    files = {"solution.py": "def add(a, b):\n    return a + b\n",
             "test_solution.py": "from solution import add\nassert add(2, 3) == 5\nprint('ok')\n"}  # fmt: skip
    result = run_sandboxed(files, "test_solution.py", FAST)
    assert result.passed and result.stdout.strip() == "ok"


def test_infinite_loop_is_stopped() -> None:
    result = run("while True:\n    pass\n")
    assert not result.passed and (result.timed_out or result.exit_code != 0)
    assert result.seconds < 8


def test_fork_bomb_is_refused() -> None:
    result = run("import os\nwhile True:\n    os.fork()\n")
    assert not result.passed and "sandbox: os.fork is not allowed" in result.stderr


def test_subprocess_is_refused() -> None:
    result = run("import subprocess\nsubprocess.run(['true'])\n")
    assert not result.passed and "not allowed" in result.stderr


def test_huge_allocation_fails_inside() -> None:
    result = run("x = bytearray(10 * 1024**3)\n")
    assert not result.passed and "MemoryError" in result.stderr


def test_write_outside_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    result = run(f"open({str(target)!r}, 'w').write('pwned')\n")
    assert not result.passed and "outside the sandbox" in result.stderr
    assert not target.exists()
    inside = run("open('notes.txt', 'w').write('fine')\nprint(open('notes.txt').read())\n")
    assert inside.passed and inside.stdout.strip() == "fine"


def test_outbound_connection_is_refused() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        result = run(
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\nprint('connected')\n"
        )
        assert not result.passed and "connected" not in result.stdout
        with pytest.raises(TimeoutError):
            server.accept()  # nothing reached the host


def test_environment_secrets_do_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNIE_TEST_SECRET", "hunter2")
    result = run("import os\nprint(sorted(os.environ))\nprint(os.environ.get('PUNIE_TEST_SECRET'))\n")
    assert result.passed and "hunter2" not in result.stdout and "PUNIE_TEST_SECRET" not in result.stdout
    assert os.environ["PUNIE_TEST_SECRET"] == "hunter2"


def test_ctypes_is_refused() -> None:
    result = run("import ctypes\n")
    assert not result.passed and "importing ctypes is not allowed" in result.stderr


def test_the_machine_is_unharmed_after_hostile_code() -> None:
    import subprocess

    import psutil

    for code in (
        "import os\nwhile True:\n    os.fork()\n",
        "while True:\n    pass\n",
        "x = bytearray(10 * 1024**3)\n",
    ):
        assert not run(code).passed
    assert subprocess.run(["true"]).returncode == 0  # the host can still start processes
    leftovers = []
    for proc in psutil.process_iter(["cwd"]):
        try:
            if "punie-sandbox-" in (proc.info["cwd"] or ""):
                leftovers.append(proc.pid)
        except psutil.Error:
            continue
    assert leftovers == []
    assert not list(Path(tempfile.gettempdir()).glob("punie-sandbox-*"))  # temp dirs removed
