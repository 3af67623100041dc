import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from punie.runtime.ports import pick_free_port, pid_listens_on, port_is_free
from punie.runtime.supervise import spawn, stop_process, tail


def test_free_port_and_taken_port() -> None:
    port = pick_free_port()
    assert port_is_free("127.0.0.1", port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        assert not port_is_free("127.0.0.1", taken)
        assert pid_listens_on(os.getpid(), taken)
        assert not pid_listens_on(os.getpid(), port)


async def test_spawn_logs_and_stop_is_idempotent(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    proc = await spawn(
        [sys.executable, "-c", "print('hello', flush=True); import time; time.sleep(60)"], os.environ, log
    )
    for _ in range(100):
        if "hello" in tail(log):
            break
        await asyncio.sleep(0.05)
    assert tail(log) == "hello"
    assert os.getpgid(proc.pid) == proc.pid  # its own process group
    assert await stop_process(proc, timeout=5) == -signal.SIGTERM
    assert await stop_process(proc, timeout=5) == -signal.SIGTERM
    assert not psutil.pid_exists(proc.pid) or psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE


async def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    log = tmp_path / "stubborn.log"
    proc = await spawn([sys.executable, "-c", code], os.environ, log)
    while "ready" not in tail(log):
        await asyncio.sleep(0.05)
    started = time.monotonic()
    assert await stop_process(proc, timeout=0.5) == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_child_dies_with_its_parent_even_on_sigkill(tmp_path: Path) -> None:
    """The parent-death guard: a SIGKILLed parent cannot leave its child running."""
    parent_code = textwrap.dedent(
        f"""
        import asyncio, os, sys, time
        from pathlib import Path
        from punie.runtime.supervise import spawn
        async def main():
            proc = await spawn([sys.executable, "-c", "import time; time.sleep(120)"], os.environ, Path({str(tmp_path / "c.log")!r}))
            print(proc.pid, flush=True)
            time.sleep(120)
        asyncio.run(main())
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert psutil.pid_exists(child_pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and psutil.pid_exists(child_pid):
        try:
            if psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    gone = not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE
    assert gone, "child outlived its SIGKILLed parent"
