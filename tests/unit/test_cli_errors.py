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
