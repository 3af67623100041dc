"""Bad input is refused in one line, exit 2, before any model loads."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from punie.cli.app import os_error_line
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
        (["dataset", "sample", "--prompts", "nope"], "--prompts must be one of suite, generator, both"),
        (
            ["dataset", "sample", "--prompts", "generator", "--generated", "0"],
            "--generated must be at least 1",
        ),
    ],
)
def test_bad_numbers_are_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = run_punie(*args, "--output", str(tmp_path / "run"))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()  # nothing left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "{data}", "--iters", "0"], "iters must be from 1 to 1,000,000,000, got 0"),
        (["train", "{data}", "--iters", str(10**20)], "iters must be from 1 to 1,000,000,000"),
        (["train", "{data}", "--max-seq-length", "0"], "max_seq_length must be from 1"),
        (["train", "{data}", "--lr", "0"], "learning_rate must be positive"),
        (["experiment", "run", "--name", "x", "--data", "{data}", "--iters", "0"], "iters must be from 1"),
        (["experiment", "run", "--name", "x", "--data", "{data}", "--batch-size", "0"], "batch_size must"),
        (["experiment", "run", "--name", "x", "--data", "{data}", "--model", "{junk}"], "not valid JSON"),
        (["eval", "--model", "{junk}"], "junk/config.json:1: not valid JSON"),
        (["serve", "--model", "{junk}", "--port", "0"], "junk/config.json:1: not valid JSON"),
    ],
)
def test_bad_training_input_is_refused_before_any_model_loads_or_base_eval(
    args: list[str], message: str, tmp_path: Path
) -> None:
    """`experiment run --iters 0` used to be refused only after a 111 s base evaluation."""
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "valid"):
        (data / f"{split}.jsonl").write_text('{"text": "hello"}\n' * 8)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "config.json").write_text('{"model_type": "llama",')
    argv = [a.format(data=data, junk=junk) for a in args]
    out = {"experiment": ["--runs-dir", str(tmp_path / "runs")], "serve": []}.get(
        args[0], ["--output", str(tmp_path / "ad")]
    )
    done = run_punie(*argv, *out, timeout=60)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert "evaluating" not in done.stderr + done.stdout and "loading model" not in done.stderr
    assert not (tmp_path / "ad").exists() and not (tmp_path / "runs" / "x").exists()


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


def test_the_machine_failing_is_one_line_exit_1(tmp_path: Path) -> None:
    """A path the kernel refuses (here /sys, read-only to everyone, root included) is the
    environment, not the input: one line, exit 1, no traceback."""
    done = run_punie("dataset", "generate", "tool-calling", "--n", "4", "--output", "/sys/punie-test")
    assert done.returncode == 1 and done.stderr.startswith("error: /sys/punie-test"), done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_os_errors_name_the_file_and_what_to_do() -> None:
    full = os_error_line(OSError(errno.ENOSPC, "No space left on device", "runs/x/results.jsonl"))
    assert (
        full
        == "runs/x/results.jsonl: No space left on device (the disk is full: free space and rerun; finished results are kept)"
    )
    assert "read-only file system" in os_error_line(OSError(errno.EROFS, "Read-only file system", "/mnt/x"))


def test_an_experiment_on_data_that_overlaps_the_suite_stops_with_the_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    leak = '{"messages": [{"role": "user", "content": "Show me the contents of README.md."}, '
    leak += '{"role": "assistant", "content": "ok"}]}\n'
    (data / "train.jsonl").write_text(leak * 4)
    (data / "valid.jsonl").write_text(leak * 4)
    done = run_punie(
        "experiment", "run", "--name", "x", "--data", str(data), "--batch-size", "1",
        "--runs-dir", str(tmp_path / "runs"), timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "8 training example(s) overlap the eval suite builtin" in done.stderr
    assert "train.jsonl:1: overlaps eval prompt tool-read-readme (the same text)" in done.stderr
    assert "--allow-overlap" in done.stderr and "evaluating" not in done.stderr
