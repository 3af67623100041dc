"""No server outlives its parent: killed parents, Ctrl-C in `punie serve`, the demo."""

from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tests.helpers import as_from_a_terminal, punie_cmd, run_punie

pytestmark = pytest.mark.integration


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def _mlx_servers() -> set[int]:
    found = set()
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if "mlx_lm" in cmdline and "server" in cmdline:
            found.add(proc.pid)
    return found


PARENT = textwrap.dedent(
    """
    import asyncio, sys, time
    from punie.training import ServerConfig, ServerProcess
    async def main():
        server = ServerProcess(ServerConfig(model_path=sys.argv[1], port=0))
        await server.start()
        print(server.pid, flush=True)
        time.sleep(300)
    asyncio.run(main())
    """
)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_server_dies_with_its_python_parent(serve_model_dir: Path, sig: signal.Signals) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(serve_model_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        server_pid = int(parent.stdout.readline())
        assert psutil.pid_exists(server_pid)
        parent.send_signal(sig)
        parent.wait(timeout=10)
        assert _wait_gone(server_pid), f"mlx_lm.server outlived a parent killed by {sig.name}"
    finally:
        parent.kill()
        parent.wait()


def _read_line_with(proc: subprocess.Popen[str], needle: str, seconds: float) -> str:
    """The first stdout line containing `needle`, or '' after `seconds` (never blocks longer)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if needle in line:
                return line
            if not line:
                return ""
    return ""


def test_ctrl_c_stops_punie_serve_cleanly(serve_model_dir: Path) -> None:
    proc = subprocess.Popen(
        punie_cmd("serve", "--model", str(serve_model_dir), "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
    )
    try:
        line = _read_line_with(proc, "serving", seconds=90)
        match = re.search(r"\(pid (\d+)\)", line)
        assert match, f"no 'serving ... (pid N)' line on stdout: {line!r}"
        server_pid = int(match[1])
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=20)
        assert code == 0, (
            f"exit {code} after Ctrl-C; stderr: {proc.stderr.read()[-3000:] if proc.stderr else ''}"
        )
        assert _wait_gone(server_pid)
    finally:
        proc.kill()
        proc.wait()


def test_serve_with_missing_adapter_is_a_usage_error(tmp_path: Path) -> None:
    result = run_punie("serve", "--adapter", str(tmp_path / "missing"), "--port", "0")
    assert result.returncode == 2
    assert "adapter directory not found" in result.stderr and "Traceback" not in result.stderr
