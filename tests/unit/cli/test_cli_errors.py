"""Bad arguments: one line on stderr, exit code 2, never a traceback."""

import pytest

from tests.helpers import run_punie


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("serve", "--port", "70000"), "70000"),
        (("serve", "--model", "no-such-alias"), "unknown model 'no-such-alias'"),
        (("serve", "--model", "./no/such/dir"), "model directory not found"),
        (("serve", "--model", "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"), "not available offline"),
        (("model", "prepare", "other-model"), "not an embedded alias"),
    ],
)
def test_bad_arguments_exit_2(args: tuple[str, ...], needle: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    proc = run_punie(*args, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_importing_punie_leaves_the_hosts_excepthook_alone() -> None:
    """Issue 29: a library changes nothing on import; only the CLI's entry point installs its hook."""
    import subprocess
    import sys

    code = (
        "import sys, punie, punie.training, punie.eval.runner, punie.cli.app\n"
        "assert sys.excepthook is sys.__excepthook__\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
