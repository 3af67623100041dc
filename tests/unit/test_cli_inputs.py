"""Bad input is refused in one line, exit 2, before any model loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_punie


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "--max-tokens", "0"], "--max-tokens must be at least 1"),
        (["eval", "--timeout", "-1"], "--timeout must be positive"),
        (["eval", "--top-p", "5"], "--top-p must be in (0, 1]"),
        (["eval", "--temperature", "-1"], "--temperature must be 0 or more"),
        (["eval", "--per-category", "-1"], "--per-category must be 0 (all) or more"),
        (["eval", "--concurrency", "0"], "--concurrency must be at least 1"),
    ],
)
def test_bad_numbers_are_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = run_punie(*args, "--output", str(tmp_path / "run"))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()  # nothing left behind


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "--output"],
        ["train", "data", "--output"],
        ["dataset", "generate", "tool-calling", "--n", "4", "--output"],
        ["experiment", "run", "--data", "d", "--name", "n", "--runs-dir"],
    ],
)
def test_a_file_where_a_directory_is_expected(args: list[str], tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    done = run_punie(*args, str(a_file))
    assert done.returncode == 2 and "is a file" in done.stderr and "Traceback" not in done.stderr
