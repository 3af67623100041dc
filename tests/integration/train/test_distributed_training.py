"""Distributed LoRA training through mlx.launch on loopback (2 ranks, ring backend), real model."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import psutil
import pytest

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from punie.errors import PunieError, UsageError
from punie.train.events import read_events
from punie.train.launch import Launch
from punie.train.lora_config import LoRAConfig
from punie.train.runner import run_training
from tests.helpers import ctrl_c_when, run_punie

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("data") / "tc"
    write_dataset(directory, split_examples(generate_tool_calling(24, seed=3), 0.2, 0.0, 3))
    return directory


def config(data: Path, adapter_dir: Path, iters: int = 3) -> LoRAConfig:
    # No dropout: each rank would draw its own masks, and the curves could not match.
    return LoRAConfig(
        data_dir=data,
        adapter_dir=adapter_dir,
        iters=iters,
        batch_size=2,
        num_layers=2,
        max_seq_length=512,
        rank=4,
        learning_rate=1e-4,
        seed=11,
        save_every=iters,
        steps_per_eval=1000,
        val_batches=1,
        steps_per_report=1,
    )


async def test_two_ranks_follow_the_single_process_loss_curve(
    data: Path, tmp_path: Path, train_model_dir: Path
) -> None:
    one = await run_training(config(data, tmp_path / "one"))
    two = await run_training(config(data, tmp_path / "two"), launch=Launch(processes=2, backend="ring"))
    assert [r.iteration for r in two.train_curve] == [1, 2, 3]
    for a, b in zip(one.train_curve, two.train_curve, strict=True):
        assert b.train_loss == pytest.approx(a.train_loss, rel=1e-3, abs=1e-4)
    assert (two.world_size, two.backend) == (2, "ring") and (one.world_size, one.backend) == (1, "none")
    record = json.loads((tmp_path / "two" / "run.json").read_text())
    assert (record["world_size"], record["backend"]) == (2, "ring")
    start = next(e for e in read_events(tmp_path / "two" / "metrics.jsonl") if e["event"] == "start")
    assert (start["world_size"], start["backend"]) == (2, "ring")
    # rank 0 alone wrote the adapter: one set of files, and only rank 0's events
    assert sorted(p.name for p in (tmp_path / "two").glob("*.safetensors")) == [
        "0000003_adapters.safetensors",
        "adapters.safetensors",
    ]
    assert sum(e["event"] == "done" for e in read_events(tmp_path / "two" / "metrics.jsonl")) == 1


async def test_a_killed_rank_ends_the_run_with_a_clear_error(
    data: Path, tmp_path: Path, train_model_dir: Path
) -> None:
    adapter = tmp_path / "killed"
    run = asyncio.create_task(run_training(config(data, adapter, iters=200), launch=Launch(processes=2)))

    async def kill_rank_one_once_training() -> int:
        while not any(e["event"] == "train" for e in read_events(adapter / "metrics.jsonl")):
            await asyncio.sleep(0.5)
        for proc in psutil.Process().children(recursive=True):
            try:
                if proc.environ().get("MLX_RANK") == "1" and "punie.train.child" in " ".join(proc.cmdline()):
                    proc.kill()
                    return proc.pid
            except psutil.NoSuchProcess:
                continue
        raise AssertionError("no rank 1 process found")

    await asyncio.wait_for(kill_rank_one_once_training(), 300)
    with pytest.raises(PunieError, match=r"process 1 (was killed|exited with code)"):
        await asyncio.wait_for(run, 120)
    assert not psutil.Process().children(recursive=True)


def test_the_global_batch_must_split_evenly(data: Path, tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match="--batch-size 2 is the global batch, split evenly across 3 processes"
    ):
        asyncio.run(run_training(config(data, tmp_path / "x"), launch=Launch(processes=3)))


def test_ctrl_c_saves_rank_zeros_weights_and_resume_continues(
    data: Path, tmp_path: Path, train_model_dir: Path
) -> None:
    out = tmp_path / "cc"
    metrics = out / "metrics.jsonl"
    common = ["train", str(data), "--num-layers", "1", "--batch-size", "2", "--max-seq-length", "512",
              "--processes", "2", "--output", str(out)]  # fmt: skip
    code, err = ctrl_c_when(
        [*common, "--iters", "500"],
        lambda: metrics.is_file() and '"event": "train"' in metrics.read_text(),
        180,
    )
    assert code == 130, err
    stopped = next(e for e in read_events(metrics) if e["event"] == "interrupted")
    assert (out / f"{int(stopped['iteration']):07d}_adapters.safetensors").is_file()
    assert "--resume" in err and "Traceback" not in err
    assert not psutil.Process().children(recursive=True)
    done = run_punie(*common[:-2], "--output", str(out), "--iters", str(int(stopped["iteration"]) + 1),
                     "--resume", timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert [e["iteration"] for e in read_events(metrics) if e["event"] == "train"][-1] == stopped[
        "iteration"
    ] + 1
