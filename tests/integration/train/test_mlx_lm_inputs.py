"""mlx-lm's own inputs, unchanged: its text and prompt/completion datasets and its lora YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_punie

pytestmark = pytest.mark.integration

COMPLETIONS = [{"prompt": f"What is {n} plus {n}?", "completion": f"{2 * n}"} for n in range(8)]
TEXT = [{"text": f"Fact {n}: the number {n} squared is {n * n}."} for n in range(8)]


def write(directory: Path, rows: list[dict]) -> Path:
    directory.mkdir(parents=True)
    for split, part in (("train", rows[:6]), ("valid", rows[6:])):
        (directory / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))
    return directory


def test_text_and_completions_datasets_validate_render_and_train(
    tmp_path: Path, train_model_dir: Path
) -> None:
    completions, text = write(tmp_path / "completions", COMPLETIONS), write(tmp_path / "text", TEXT)
    for data in (completions, text):
        valid = run_punie("dataset", "validate", str(data))
        assert valid.returncode == 0, valid.stdout + valid.stderr
        shown = run_punie("dataset", "render", str(data), "-n", "1")
        assert shown.returncode == 0, shown.stderr
    config = tmp_path / "lora_config.yaml"
    config.write_text(
        f"data: {completions}\nadapter_path: {tmp_path / 'adapter'}\niters: 2\nbatch_size: 2\n"
        "num_layers: 1\nlearning_rate: 1e-4\nval_batches: 1\nsteps_per_eval: 2\nsave_every: 2\n"
        "max_seq_length: 256\nlora_parameters: {rank: 4, scale: 1e1, dropout: 0.0}\nmask_prompt: true\n"
        # issue 31: nested numbers in mlx-lm's notation crashed the child after the model loaded
        "lr_schedule: {name: cosine_decay, warmup: 1, warmup_init: 1e-7, arguments: [1e-4, 2, 1e-6]}\n"
    )
    trained = run_punie("train", "--config", str(config), timeout=600)
    assert trained.returncode == 0, trained.stderr
    run = json.loads((tmp_path / "adapter" / "run.json").read_text())
    assert (tmp_path / "adapter" / "adapters.safetensors").is_file()
    assert json.dumps(run).count("mask_prompt") >= 1
    events = [json.loads(line) for line in (tmp_path / "adapter" / "metrics.jsonl").read_text().splitlines()]
    validated = [e["iteration"] for e in events if e["event"] == "val"]
    # issue 31: each set of weights validated once: the start (mlx-lm's pass before step 1) and
    # the checkpoint (punie's); mlx-lm's passes before steps 1 and 2 and punie's made it three
    assert validated == [0, 2], validated
    checkpoint = next(e for e in events if e["event"] == "checkpoint")
    assert checkpoint["val_loss"] == next(
        e["val_loss"] for e in events if e["event"] == "val" and e["iteration"] == 2
    )
    written = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())  # what mlx-lm used
    assert written["lora_parameters"]["rank"] == 4 and written["lora_parameters"]["scale"] == 10.0
    assert written["num_layers"] == 1 and written["lr_schedule"]["arguments"] == [1e-4, 2, 1e-6]
    header = (tmp_path / "adapter" / "adapters.safetensors").read_bytes()
    shapes = json.loads(header[8 : 8 + int.from_bytes(header[:8], "little")])
    layers = {key.split(".layers.")[1].split(".")[0] for key in shapes if ".layers." in key}
    assert len(layers) == 1 and all(4 in v["shape"] for k, v in shapes.items() if "lora_a" in k)


def test_mixed_formats_and_small_splits_are_refused_in_one_line(tmp_path: Path) -> None:
    mixed = write(tmp_path / "mixed", [*COMPLETIONS[:4], *TEXT[:4]])
    done = run_punie("dataset", "validate", str(mixed))
    assert done.returncode == 2 and "text example in a completions split" in done.stdout + done.stderr
    small = write(tmp_path / "small", COMPLETIONS[:7])  # valid: 1 example
    refused = run_punie("train", str(small), "--batch-size", "4", "--iters", "1", "-o", str(tmp_path / "a"))
    assert refused.returncode == 2 and "fewer than --batch-size 4" in refused.stderr
    assert "Traceback" not in refused.stderr
