"""Real training benchmarks on the embedded model (structure and sanity, never speed)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from punie.train.settings import TrainSettings
from punie.training.benchmark import create_dummy_dataset, run_training_benchmark
from tests.helpers import run_punie

pytestmark = pytest.mark.integration

SEED_DATASET = """
from pathlib import Path
from punie.training.benchmark import create_dummy_dataset
create_dummy_dataset(Path('data/benchmark'), num_examples=5)
"""

SEED_BENCHMARK = """
import asyncio
from punie.training.benchmark import run_training_benchmark

async def main():
    result = await run_training_benchmark(
        model_path='MODEL',
        num_iters=10,
    )
    print(f'Model: {result.model_path}')
    print(f'Seconds per iteration: {result.seconds_per_iter:.2f}')
    print(f'Total seconds: {result.total_seconds:.2f}')
    print(f'Iterations: {result.num_iters}')
    if result.peak_memory_gb:
        print(f'Peak memory: {result.peak_memory_gb:.2f} GB')

asyncio.run(main())
"""


async def test_benchmark_result_is_sane(train_model_dir: Path, tmp_path: Path) -> None:
    create_dummy_dataset(tmp_path / "d", num_examples=4)
    events: list[str] = []
    result = await run_training_benchmark(
        "smollm2-135m",
        num_iters=3,
        data_dir=tmp_path / "d",
        settings=TrainSettings(num_layers=1, max_seq_length=128, batch_size=2, rank=4),
        on_event=lambda e: events.append(e["event"]),
    )
    assert result.model_dir == str(train_model_dir) and result.variant == "f32"
    assert result.num_iters == 3 and result.untimed_iters == 2 and len(result.iteration_seconds) == 3
    assert all(s > 0 for s in result.iteration_seconds)
    assert result.seconds_per_iter == result.iteration_seconds[-1]
    assert result.min_seconds_per_iter <= result.seconds_per_iter <= result.max_seconds_per_iter
    assert result.load_seconds > 0 and result.total_seconds >= sum(result.iteration_seconds[2:])
    assert result.tokens_per_second > 0
    assert result.peak_memory_gb and result.peak_memory_gb > 0 and result.peak_rss_gb > 0.1
    # rank 4 on all seven projections of one layer (mlx-lm's default keys for llama)
    assert result.trainable_parameters == 4 * (2 * (576 + 576) + 2 * (576 + 192) + 3 * (576 + 1536))
    assert result.device.startswith("Device(") and result.mlx_version and result.mlx_lm_version
    assert (
        result.speed_band is not None
        and result.speed_band.projected_1000_min > result.speed_band.projected_100_min
    )
    assert events[:2] == ["start", "loaded"] and events.count("train") == 3 and events[-1] == "done"


def test_seed_snippets_verbatim(tmp_path: Path, train_model_dir: Path) -> None:
    make = subprocess.run([sys.executable, "-c", SEED_DATASET], cwd=tmp_path, capture_output=True, text=True)
    assert make.returncode == 0, make.stderr
    assert (tmp_path / "data" / "benchmark" / "train.jsonl").is_file()

    started = time.monotonic()
    hub = subprocess.run(
        [
            sys.executable,
            "-c",
            SEED_BENCHMARK.replace("MODEL", "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert hub.returncode != 0 and time.monotonic() - started < 30
    # A library leaves the host's excepthook alone (issue 29): Python's traceback, whose last line
    # is the one clear message naming what is available offline.
    last = hub.stderr.strip().splitlines()[-1]
    assert "not available offline" in last and "smollm2-135m" in last, hub.stderr[-2000:]

    real = subprocess.run(
        [sys.executable, "-c", SEED_BENCHMARK.replace("MODEL", "smollm2-135m")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert real.returncode == 0, real.stderr[-2000:]
    lines = dict(line.split(": ", 1) for line in real.stdout.strip().splitlines())
    assert lines["Model"] == "smollm2-135m" and lines["Iterations"] == "10"
    assert float(lines["Seconds per iteration"]) > 0 and float(lines["Total seconds"]) > 0
    assert float(lines["Peak memory"].removesuffix(" GB")) > 0


def test_bench_cli_json_and_bad_input(train_model_dir: Path, tmp_path: Path) -> None:
    result = run_punie(
        "bench",
        "train",
        "--iters",
        "2",
        "--num-layers",
        "1",
        "--max-seq-length",
        "96",
        "--batch-size",
        "2",
        "--json",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["num_iters"] == 2 and data["seconds_per_iter"] > 0 and data["speed_band"]["decision"]
    assert data["blas"] and data["peak_rss_gb"] > 0

    bad = run_punie("bench", "train", "--iters", "0")
    assert bad.returncode == 2 and "iters must be from 1 to" in bad.stderr
    missing = run_punie("bench", "train", "--data", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no train.jsonl" in missing.stderr
