"""The advisory lock that shares one base evaluation between experiments started together (issue
31: two concurrent experiments both evaluated the base): a second holder waits, and hears that
it waits, until the first is done."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from punie.eval.baseline import baseline_lock
from punie.runtime.file_lock import exclusive_lock

HOLD = """
import sys, time
from pathlib import Path
from punie.runtime.file_lock import exclusive_lock
with exclusive_lock(Path(sys.argv[1])):
    Path(sys.argv[2]).write_text("held")
    time.sleep(float(sys.argv[3]))
"""


def test_a_second_holder_waits_for_the_first_and_is_told(tmp_path: Path) -> None:
    lock, held = baseline_lock("0123456789abcdef", tmp_path), tmp_path / "held"
    assert lock.parent == tmp_path and lock.name == ".base-0123456789abcdef.lock"
    other = subprocess.Popen([sys.executable, "-c", HOLD, str(lock), str(held), "1.5"])
    try:
        while not held.exists():
            time.sleep(0.05)
        told: list[str] = []
        started = time.monotonic()
        with exclusive_lock(lock, lambda: told.append("waiting")):
            waited = time.monotonic() - started
        assert told == ["waiting"] and waited > 0.5 and other.wait(timeout=10) == 0
        told.clear()
        with exclusive_lock(lock, lambda: told.append("waiting")):
            pass
        assert told == []  # free: nobody is told to wait
    finally:
        other.kill()
        other.wait()
