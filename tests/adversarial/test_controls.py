"""Controls for the adversarial suite: its checks do catch an escape (run with no isolation, the same
attack gets out), and the suite holds for a normal user too, not only for root."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from punie.sandbox import ExecRequest, SandboxLimits, unsafe
from punie.sandbox.harness import harness_argv, new_nonce
from punie.sandbox.interpreter import sandbox_env, sandbox_python

REPO = Path(__file__).resolve().parents[2]


def test_without_isolation_the_same_attacks_get_out(tmp_path: Path) -> None:
    """What the suite detects is real: with --unsafe-exec nothing stops these."""
    victim = tmp_path / "victim.txt"
    victim.write_text("original")
    attack = f"open({str(victim)!r}, 'w').write('pwned')\nimport sys\nsys.exit(0)\n"
    result = unsafe.run(
        ExecRequest(
            harness_argv(sandbox_python(), "t.py"),
            files={"solution.py": attack, "t.py": "from solution import *\n"},
            nonce=new_nonce(),
        ),
        SandboxLimits(unsafe_exec=True),
        sandbox_env(),
    )
    assert victim.read_text() == "pwned"  # the write escaped ...
    assert not result.passed  # ... but even there sys.exit(0) forges no pass


def _normal_user_python() -> tuple[str, dict[str, str]] | None:
    """An interpreter a non-root user can run with this project's packages, or None."""
    candidate = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/bin")
    if os.geteuid() != 0 or candidate is None or shutil.which("setpriv") is None:
        return None
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO), *site])}
    probe = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            candidate,
            "-c",
            "import punie.sandbox, landlock, psutil, pytest, pyseccomp",
        ],
        env=env,
        capture_output=True,
        cwd="/",
    )
    return (candidate, env) if probe.returncode == 0 else None


NO_USERNS = str(REPO / "tests" / "adversarial" / "no_userns.py")


def _suite_passes(prefix: list[str], python: str, env: dict[str, str], backend: str) -> None:
    """The adversarial suite (less these controls), run under `prefix`, passes on `backend`."""
    run = subprocess.run(
        [*prefix, python, "-m", "pytest", str(REPO / "tests" / "adversarial"), "-q", "-p", "no:cacheprovider",
         "-k", "not controls"],
        env={**env, "HOME": "/tmp", "PUNIE_EXPECT_BACKEND": backend},
        capture_output=True,
        text=True,
        cwd="/tmp",
        timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and not re.search(r"\d+ (failed|error)", run.stdout), run.stdout[-2000:]


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def nobody_python() -> tuple[str, dict[str, str]]:
    if os.geteuid() != 0:
        pytest.skip("already running as a normal user")
    found = _normal_user_python()
    if found is None:
        pytest.skip("no interpreter of this version that user nobody can run with the project's packages")
    return found


def test_the_suite_holds_for_a_normal_user(nobody_python: tuple[str, dict[str, str]]) -> None:
    python, env = nobody_python
    _suite_passes(NOBODY, python, env, "linux-namespaces")


@pytest.mark.skipif(sys.platform != "linux", reason="the Landlock backend is Linux's")
def test_where_namespaces_are_refused_the_landlock_backend_holds() -> None:
    """`unshare` fails with EPERM (a seccomp filter injects it): punie picks the Landlock backend
    by itself, and every attack of the suite still fails."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    _suite_passes([sys.executable, NO_USERNS], sys.executable, env, "linux-landlock")


def test_where_namespaces_are_refused_the_landlock_backend_holds_for_a_normal_user(
    nobody_python: tuple[str, dict[str, str]],
) -> None:
    python, env = nobody_python
    _suite_passes([*NOBODY, python, NO_USERNS], python, env, "linux-landlock")
