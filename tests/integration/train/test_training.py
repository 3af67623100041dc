"""Real LoRA training on the embedded float32 model: every setting reaches mlx-lm's trainer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from punie.errors import PunieError, UsageError
from punie.serve.adapter_check import check_adapter, read_safetensors_shapes
from punie.train.lora_config import LoRAConfig, schedule_args
from punie.train.runner import run_training
from tests.helpers import ctrl_c_when, run_punie

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tc_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("data") / "tc"
    write_dataset(directory, split_examples(generate_tool_calling(24, seed=5), 0.2, 0.0, 5))
    return directory


def small(tc_data: Path, adapter_dir: Path, **overrides: object) -> LoRAConfig:
    settings: dict = dict(
        data_dir=tc_data,
        adapter_dir=adapter_dir,
        iters=4,
        batch_size=1,
        num_layers=2,
        max_seq_length=512,
        rank=4,
        alpha=8.0,
        dropout=0.1,
        keys=("self_attn.q_proj", "self_attn.v_proj"),
        learning_rate=2e-5,
        mask_prompt=True,
        seed=7,
        save_every=2,
        steps_per_eval=2,
        val_batches=1,
    )
    settings.update(overrides)
    return LoRAConfig(**settings)


async def test_every_field_reaches_the_trainer(
    tc_data: Path, tmp_path: Path, train_model_dir: Path, serve_model_dir: Path
) -> None:
    events: list[str] = []
    config = small(tc_data, tmp_path / "ad", lr_schedule="cosine", warmup=1)
    run = await run_training(config, on_event=lambda e: events.append(e["event"]))
    saved = json.loads((tmp_path / "ad" / "adapter_config.json").read_text())
    assert saved["lr_schedule"] == schedule_args(config)  # warmup 1, then cosine to lr / 30
    assert saved["lora_parameters"] == {
        "rank": 4,
        "scale": 2.0,
        "dropout": 0.1,
        "keys": ["self_attn.q_proj", "self_attn.v_proj"],
    }
    for key, want in {
        "num_layers": 2,
        "batch_size": 1,
        "iters": 4,
        "learning_rate": 2e-5,
        "max_seq_length": 512,
        "mask_prompt": True,
        "seed": 7,
        "save_every": 2,
        "steps_per_eval": 2,
        "val_batches": 1,
    }.items():
        assert saved[key] == want, key
    shapes = read_safetensors_shapes(tmp_path / "ad" / "adapters.safetensors")
    assert set(shapes) == {
        f"model.layers.{i}.self_attn.{p}_proj.{m}"
        for i in (28, 29)
        for p in "qv"
        for m in ("lora_a", "lora_b")
    }
    assert shapes["model.layers.29.self_attn.q_proj.lora_a"] == (576, 4)
    assert shapes["model.layers.29.self_attn.v_proj.lora_b"] == (4, 192)
    assert run.trainable_parameters == 2 * 4 * ((576 + 576) + (576 + 192))
    assert [r.iteration for r in run.train_curve] == [1, 2, 3, 4] and all(
        r.train_loss > 0 for r in run.train_curve
    )
    assert run.tokens_per_second > 0 and run.peak_memory_gb > 0
    metrics = [json.loads(line) for line in run.metrics_path.read_text().splitlines()]
    assert {m["event"] for m in metrics} >= {"train", "val", "done"}
    assert run.metrics_path == tmp_path / "ad" / "metrics.jsonl"
    assert sorted(p.name for p in (tmp_path / "ad").glob("0*_adapters.safetensors")) == [
        "0000002_adapters.safetensors",
        "0000004_adapters.safetensors",
    ]
    best = json.loads((tmp_path / "ad" / "best.json").read_text())
    assert best["iteration"] in (2, 4) and run.best is not None
    assert events.count("train") == 4
    record = json.loads((tmp_path / "ad" / "run.json").read_text())
    assert (
        record["config"]["rank"] == 4
        and len(record["dataset_sha256"]) == 16
        and record["chat_template_sha256"]
    )
    assert record["command"][-3:] == [
        "-m",
        "punie.train.child",
        str(tmp_path / "ad" / "punie-train-spec.json"),
    ]
    check_adapter(tmp_path / "ad", serve_model_dir)  # the 4-bit serving model accepts it

    assert best["checkpoint"] == f"{best['iteration']:07d}_adapters.safetensors"
    before = {p.name: p.read_bytes() for p in (tmp_path / "ad").glob("0*_adapters.safetensors")}

    with pytest.raises(UsageError, match="already at iteration 4 and --iters is 4"):
        await run_training(small(tc_data, tmp_path / "ad"), resume=True)
    again = await run_training(small(tc_data, tmp_path / "ad", iters=7), resume=True)
    assert again.resumed_from is not None and again.resumed_from.name == "0000004_adapters.safetensors"
    assert [r.iteration for r in again.train_curve] == [5, 6, 7]  # the count continues
    files = {p.name: p.read_bytes() for p in (tmp_path / "ad").glob("0*_adapters.safetensors")}
    assert sorted(files) == [f"{i:07d}_adapters.safetensors" for i in (2, 4, 6, 7)]
    assert all(files[name] == data for name, data in before.items())  # nothing overwritten
    assert files["0000007_adapters.safetensors"] == (tmp_path / "ad" / "adapters.safetensors").read_bytes()
    metrics = [json.loads(line) for line in run.metrics_path.read_text().splitlines()]
    steps = [m["iteration"] for m in metrics if m["event"] == "train"]
    assert steps == [1, 2, 3, 4, 5, 6, 7]
    resumed = next(m for m in metrics if m["event"] == "resumed")
    assert resumed["from_iteration"] == 4 and resumed["checkpoint"] == "0000004_adapters.safetensors"
    record = json.loads((tmp_path / "ad" / "run.json").read_text())
    assert record["start_iteration"] == 4 and record["optimizer_state"].startswith("not saved")
    assert json.loads((tmp_path / "ad" / "adapter_config.json").read_text())["iters"] == 7
    assert not list((tmp_path / "ad").glob(".*tmp*")) and not (tmp_path / "ad" / ".mlx-lm-scratch").exists()
    with pytest.raises(UsageError, match="would change the trainable parameters"):
        await run_training(small(tc_data, tmp_path / "ad", rank=8, iters=9), resume=True)
    with pytest.raises(UsageError, match="already holds an adapter"):
        await run_training(small(tc_data, tmp_path / "ad"))


async def test_keys_mlx_would_ignore_are_an_error(
    tc_data: Path, tmp_path: Path, train_model_dir: Path
) -> None:
    with pytest.raises(PunieError, match=r"LoRA keys \['attn.query'\] match no module"):
        await run_training(small(tc_data, tmp_path / "ad", keys=("attn.query",)))


async def test_invalid_data_is_refused_before_training(tmp_path: Path, train_model_dir: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "train.jsonl").write_text('{"messages": [{"role": "user", "content": "x"}]}\n')
    (tmp_path / "d" / "valid.jsonl").write_text("{bad\n")
    with pytest.raises(UsageError, match="3 error") as info:
        await run_training(small(tmp_path / "d", tmp_path / "ad"))
    assert "train.jsonl:1" in str(info.value) and "valid.jsonl:1" in str(info.value)
    assert not (tmp_path / "ad" / "adapter_config.json").exists()


def test_cli_train_then_ctrl_c_keeps_a_usable_adapter(
    tc_data: Path, tmp_path: Path, serve_model_dir: Path
) -> None:
    out = tmp_path / "cli"
    done = run_punie(
        "train",
        str(tc_data),
        "--iters",
        "2",
        "--rank",
        "4",
        "--num-layers",
        "1",
        "--batch-size",
        "1",
        "--max-seq-length",
        "512",
        "--output",
        str(out),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "serve it: punie serve --adapter" in done.stdout and (out / "metrics.jsonl").is_file()

    slow = tmp_path / "interrupted"
    metrics = slow / "metrics.jsonl"
    code, err = ctrl_c_when(
        ["train", str(tc_data), "--iters", "500", "--num-layers", "1", "--batch-size", "1",
         "--max-seq-length", "512", "--output", str(slow)],
        lambda: metrics.is_file() and '"event": "train"' in metrics.read_text(),
        wait=120,
    )  # fmt: skip
    assert code == 130, err
    records = [json.loads(line) for line in (slow / "metrics.jsonl").read_text().splitlines()]
    events = [r["event"] for r in records]
    assert "interrupted" in events
    stopped_at = int(next(r for r in records if r["event"] == "interrupted")["iteration"])
    assert (slow / f"{stopped_at:07d}_adapters.safetensors").is_file()  # resume starts from it
    assert "weights are saved in" in err and "--resume" in err and "Traceback" not in err
    check_adapter(slow, serve_model_dir)
    result = run_punie(
        "train",
        str(tc_data),
        "--iters",
        str(stopped_at + 1),
        "--num-layers",
        "1",
        "--batch-size",
        "1",
        "--max-seq-length",
        "512",
        "--output",
        str(slow),
        "--resume",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"resuming from {stopped_at:07d}_adapters.safetensors" in result.stderr
