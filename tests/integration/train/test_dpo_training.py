"""`punie train DIR --method dpo` on the real model (issue 28's bar): the DPO loss through
mlx-lm's own trainer, on pairs laid out as `punie dataset sample` writes them (DIR/pairs)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from tests.helpers import run_punie

pytestmark = pytest.mark.integration


def pair(example: dict) -> dict:
    """The example's request up to its call: the structured call chosen, a refusal rejected."""
    messages = example["messages"]
    end = next(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return {
        "prompt": messages[:end],
        "chosen": [messages[end]],
        "rejected": [{"role": "assistant", "content": "I cannot open files."}],
        "tools": example["tools"],
    }


def test_dpo_trains_from_a_sampled_directory_and_starts_at_log_2(
    tmp_path: Path, train_model_dir: Path
) -> None:
    rows = [pair(e) for e in generate_tool_calling(12, seed=3) if e["messages"][-1].get("tool_calls")]
    sampled = tmp_path / "sampled"
    write_dataset(sampled / "pairs", {"train": rows[:4], "valid": rows[4:6]})
    out = tmp_path / "dpo"
    settings = ("--method", "dpo", "--iters", "2", "--batch-size", "1", "--num-layers", "2", "--lr", "1e-3")
    done = run_punie("train", str(sampled), *settings, "--output", str(out), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "adapters.safetensors").is_file()
    record = json.loads((out / "run.json").read_text())
    assert record["method"] == "dpo" and record["beta"] == 0.1 and record["reference"] == "base"
    assert record["dataset"] == str(sampled / "pairs")
    events = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert next(e for e in events if e["event"] == "data")["method"] == "dpo"
    # LoRA starts as the identity, so the adapter equals the reference: every margin is 0 and
    # the loss is log 2 before the first update (validation) and on the first step.
    first_val = next(e for e in events if e["event"] == "val")
    first_step = next(e for e in events if e["event"] == "train")
    assert first_val["val_loss"] == pytest.approx(math.log(2), abs=1e-4)
    assert first_step["train_loss"] == pytest.approx(math.log(2), abs=1e-4)
    assert all(math.isfinite(e["train_loss"]) for e in events if e["event"] == "train")

    # DPO after another run (`--init-adapter`): the policy starts as that adapter. Against the
    # base as reference the first loss is then off log 2; against the start (`--dpo-reference
    # start`, what DPO after SFT wants) it is log 2 again.
    def first_val_loss(reference: str) -> float:
        again = tmp_path / f"from-{reference}"
        args = ("--init-adapter", str(out), "--dpo-reference", reference, "--output", str(again))
        done = run_punie("train", str(sampled), *settings, *args, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads((again / "run.json").read_text())["init_adapter"] == str(out)
        lines = (again / "metrics.jsonl").read_text().splitlines()
        return next(e for e in map(json.loads, lines) if e["event"] == "val")["val_loss"]

    assert abs(first_val_loss("base") - math.log(2)) > 1e-3
    assert first_val_loss("start") == pytest.approx(math.log(2), abs=1e-4)


def test_dpo_refuses_chat_data_naming_the_file_and_line(tmp_path: Path) -> None:
    chat = tmp_path / "chat"
    write_dataset(
        chat, {"train": generate_tool_calling(4, seed=1), "valid": generate_tool_calling(2, seed=2)}
    )
    done = run_punie("train", str(chat), "--method", "dpo", "--iters", "1", "--output", str(tmp_path / "o"))
    assert done.returncode == 2
    assert (
        f"{chat / 'train.jsonl'}:1: a chat example, but --method dpo trains on preference data" in done.stderr
    )
    assert "Traceback" not in done.stderr
