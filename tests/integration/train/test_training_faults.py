"""Fault tests: SIGKILL at random moments of training, and a disk that fills during checkpoints.

Neither may leave a state that `--resume` cannot read: every checkpoint on disk is whole (or
absent), no temp file outlives the next run, and the iteration count continues.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from punie.runtime.atomic import TEMP_NAME
from punie.train.checkpoints import checkpoints, latest_checkpoint, safetensors_problem
from tests.helpers import punie_cmd, run_punie

pytestmark = pytest.mark.integration

SETTINGS = (
    "iters: {iters}\nbatch_size: 1\nnum_layers: 1\nrank: 4\nmax_seq_length: 512\n"
    "save_every: 1\nsteps_per_eval: 1000\nval_batches: 1\n"
)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("faults") / "tc"
    write_dataset(directory, split_examples(generate_tool_calling(16, seed=3), 0.25, 0.0, 3))
    return directory


def settings(directory: Path, iters: int) -> Path:
    path = directory / f"settings-{iters}.yaml"
    path.write_text(SETTINGS.format(iters=iters))
    return path


def assert_whole(adapter_dir: Path) -> None:
    """Every checkpoint file present loads (by its header and size); returns nothing torn."""
    files = [*checkpoints(adapter_dir).values(), adapter_dir / "adapters.safetensors"]
    torn = {f.name: safetensors_problem(f) for f in files if f.exists() and safetensors_problem(f)}
    assert not torn, torn


def assert_counts_continue(metrics: Path) -> None:
    """Between `resumed` events the iteration count rises by one; each resume starts just after
    the checkpoint it names."""
    expected = 1
    for line in metrics.read_text().splitlines():
        event = json.loads(line)
        if event["event"] == "resumed":
            expected = int(event["from_iteration"]) + 1
        elif event["event"] == "train":
            assert int(event["iteration"]) == expected, (event, expected)
            expected += 1


def test_sigkill_at_random_moments_never_leaves_an_unresumable_adapter(data: Path, tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    out = tmp_path / "ad"
    config = settings(tmp_path, 400)
    for cycle in range(5):
        resume = ["--resume"] if latest_checkpoint(out) is not None else []
        proc = subprocess.Popen(
            punie_cmd("train", str(data), "--config", str(config), "--output", str(out), *resume),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        delay = rng.uniform(2.0, 16.0)
        try:
            time.sleep(delay)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its training child, mid-whatever
            proc.wait()
        _wait_for_group_gone(proc.pid)
        assert_whole(out)
        point = latest_checkpoint(out)
        assert point is None or not point.skipped, (seed, cycle, delay, point)

    point = latest_checkpoint(out)
    finish = ["--resume"] if point is not None else []
    total = (point.iteration if point else 0) + 2
    done = run_punie(
        "train",
        str(data),
        "--config",
        str(settings(tmp_path, total)),
        "--output",
        str(out),
        *finish,
        timeout=300,
    )
    assert done.returncode == 0, (seed, done.stderr)
    assert_whole(out)
    assert not [p.name for p in out.iterdir() if TEMP_NAME.match(p.name)]
    assert sorted(checkpoints(out))[-1] == total
    assert_counts_continue(out / "metrics.jsonl")


def _wait_for_group_gone(pgid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process group {pgid} still alive after SIGKILL")


def _namespaces_available() -> bool:
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run([unshare, "-Urm", "true"], capture_output=True).returncode == 0


FULL_DISK_SCRIPT = """
set -u
mount -t tmpfs -o size=200k tmpfs "$OUT"
"$PY" -m punie.cli train "$DATA" --config "$SMALL" --output "$OUT" >"$W/full.out" 2>"$W/full.err"
echo $? >"$W/full.rc"
cp -a "$OUT" "$W/after-full"
mount -o remount,size=64m "$OUT"
"$PY" -m punie.cli train "$DATA" --config "$SMALL" --output "$OUT" --resume >"$W/resumed.out" 2>"$W/resumed.err"
echo $? >"$W/resumed.rc"
cp -a "$OUT" "$W/after-resume"
"""


@pytest.mark.skipif(not _namespaces_available(), reason="needs `unshare -Urm` for a private small tmpfs")
def test_a_full_disk_during_checkpoints_keeps_them_whole_and_resume_finishes(
    data: Path, tmp_path: Path, train_model_dir: Path
) -> None:
    """A 200 KiB disk (in a private mount namespace) fills after a few checkpoints; the run stops
    with one line, the checkpoints already written are whole, and with space back --resume ends."""
    out = tmp_path / "ad"
    out.mkdir()
    env = {
        **os.environ,
        "OUT": str(out),
        "PY": sys.executable,
        "DATA": str(data),
        "SMALL": str(settings(tmp_path, 16)),
        "W": str(tmp_path),
    }
    subprocess.run(["unshare", "-Urm", "bash", "-c", FULL_DISK_SCRIPT], env=env, timeout=600, check=True)
    full_err = (tmp_path / "full.err").read_text()
    assert (tmp_path / "full.rc").read_text().strip() == "1", full_err
    assert "full" in full_err and "Traceback" not in full_err, full_err
    stopped = tmp_path / "after-full"
    assert_whole(stopped)
    assert not [p.name for p in stopped.iterdir() if TEMP_NAME.match(p.name)]
    reached = latest_checkpoint(stopped)
    assert reached is not None and 0 < reached.iteration < 16

    resumed_err = (tmp_path / "resumed.err").read_text()
    assert (tmp_path / "resumed.rc").read_text().strip() == "0", resumed_err
    assert f"resuming from {reached.path.name}" in resumed_err + (tmp_path / "resumed.out").read_text()
    final = tmp_path / "after-resume"
    assert_whole(final)
    assert sorted(checkpoints(final))[-1] == 16
    assert_counts_continue(final / "metrics.jsonl")
