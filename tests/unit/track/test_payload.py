"""What a tracker receives: the same names and values from every kind of run."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.track.names import safe_name
from punie.track.payload import adapter_artifact, report_metrics, settings_params, train_event_metrics
from punie.track.tracker import TRACKERS, parse_report_to
from punie.track.wandb_store import mode
from punie.train.lora_config import LoRAConfig


def result(rid: str, category: str, passed: bool) -> EvalResult:
    return EvalResult(rid, category, passed, float(passed), None, "", "none", (), None, "", 0.0)


def test_training_events_become_losses_at_their_iteration() -> None:
    train = {
        "event": "train",
        "iteration": 10,
        "train_loss": 0.5,
        "tokens_per_second": 80.0,
        "peak_memory": 1.5,
    }
    assert train_event_metrics(train) == (
        10,
        {
            "train/loss": 0.5,
            "train/learning_rate": 0.0,
            "train/tokens_per_second": 80.0,
            "train/peak_memory_gb": 1.5,
        },
    )
    assert train_event_metrics({"event": "val", "iteration": 10, "val_loss": 0.7, "val_time": 2}) == (
        10,
        {"val/loss": 0.7},
    )
    assert train_event_metrics({"event": "checkpoint", "iteration": 5, "val_loss": 0.9}) == (
        5,
        {"val/loss": 0.9},
    )
    assert train_event_metrics({"event": "checkpoint", "iteration": 5}) is None
    assert train_event_metrics({"event": "loaded", "seconds": 3.0}) is None


def test_scores_carry_their_interval_and_n_per_category() -> None:
    results = [
        result("a", "tool_calling", True),
        result("b", "tool_calling", False),
        result("c", "reasoning", True),
    ]
    report = EvalReport("m", None, "s", "h", tuple(results), 3, "", 0.0, {})
    metrics = report_metrics("adapter", report)
    assert metrics["adapter/tool_calling/score"] == 0.5 and metrics["adapter/tool_calling/n"] == 2
    assert 0 < metrics["adapter/tool_calling/ci_low"] < 0.5 < metrics["adapter/tool_calling/ci_high"] < 1
    assert metrics["adapter/reasoning/score"] == 1.0 and metrics["adapter/overall/n"] == 3


def test_params_are_every_typed_setting_as_plain_values(tmp_path: Path) -> None:
    config = LoRAConfig(
        data_dir=tmp_path, adapter_dir=tmp_path / "out", rank=4, extra={"grad_checkpoint": True}
    )
    params = settings_params(config)
    assert (
        params["rank"] == 4
        and params["iters"] == config.iters
        and params["adapter_dir"] == str(tmp_path / "out")
    )
    assert params["extra"] == '{"grad_checkpoint": true}'
    assert all(v is None or isinstance(v, str | int | float | bool) for v in params.values())


def test_report_to_names_are_checked_and_deduplicated() -> None:
    assert parse_report_to(["mlflow,trackio", "mlflow"]) == (TRACKERS["mlflow"], TRACKERS["trackio"])
    assert parse_report_to(["none"]) == () and parse_report_to([]) == ()
    with pytest.raises(
        UsageError, match="unknown tracker 'tensorboard' \\(choose from mlflow, wandb, trackio\\)"
    ):
        parse_report_to(["wandb,tensorboard"])


def test_wandb_stays_offline_without_a_key_or_a_mode() -> None:
    assert mode({}) == "offline"
    assert mode({"WANDB_API_KEY": "k"}) == "online"
    assert mode({"WANDB_MODE": "disabled", "WANDB_API_KEY": "k"}) == "disabled"


def test_names_and_the_adapter_artifact(tmp_path: Path) -> None:
    assert safe_name("grid x/rank=8 (seed 1)") == "grid-x-rank-8-seed-1"
    for name in (
        "adapters.safetensors",
        "adapter_config.json",
        "0000002_adapters.safetensors",
        "adapters-1f.gguf",
    ):
        (tmp_path / name).write_bytes(b"")
    found = adapter_artifact(tmp_path)
    assert found.kind == "model"
    assert [f.name for f in found.files] == ["adapters.safetensors", "adapter_config.json"]  # not checkpoints
    assert adapter_artifact(tmp_path / "missing").files == ()  # nothing to store
