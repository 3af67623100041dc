"""Pure: what punie's runs give a tracker: settings as params, training events and scores as
metrics, outcomes as text, and which files are the artifacts. One naming for every tracker:
`train/loss`, `val/loss`, `base/<category>/score`, `adapter/<category>/ci_low`,
`recipe/<category>/mean_change`, ...; a category's score and interval as fractions 0..1."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from punie.eval.report import EvalReport
from punie.experiment.plan import ExperimentConfig
from punie.experiment.recipe import RecipeResult
from punie.experiment.run import ExperimentResult
from punie.journal.compare import Decision, category_deltas
from punie.runtime.adapter_files import ADAPTER_CONFIG, ADAPTER_WEIGHTS
from punie.track.names import safe_name
from punie.track.tracker import Artifact, Param
from punie.train.lora_config import METRICS_FILE
from punie.train.runner import RUN_RECORD, TrainingRun
from punie.train.settings import TrainSettings, values


def _param(value: Any) -> Param:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Path):
        return str(value)
    return json.dumps(value, default=str, sort_keys=True)


def settings_params(settings: TrainSettings, prefix: str = "") -> dict[str, Param]:
    """Every typed training setting, by name (a LoRAConfig's data, output and model too)."""
    found = {f"{prefix}{name}": _param(value) for name, value in values(settings).items()}
    for name in ("model", "data_dir", "adapter_dir", "device"):
        if hasattr(settings, name):
            found[f"{prefix}{name}"] = _param(getattr(settings, name))
    return found


def experiment_params(config: ExperimentConfig) -> dict[str, Param]:
    """An experiment's settings: what it trains on and how, and how it is evaluated."""
    return {
        "model": config.model,
        "data": str(config.data_dir),
        "suite": config.suite,
        "per_category": config.per_category,
        "held_out_of": config.held_out_of,
        "device": config.device,
        **settings_params(config.training, "train."),
        **{f"eval.{k}": _param(v) for k, v in config.eval.recorded().items()},
    }


def train_event_metrics(event: Mapping[str, Any]) -> tuple[int, dict[str, float]] | None:
    """A training child's event as (iteration, metrics), or None for an event that is no metric."""
    kind = event.get("event")
    if kind == "train":
        metrics = {
            "train/loss": float(event["train_loss"]),
            "train/learning_rate": float(event.get("learning_rate", 0.0)),
            "train/tokens_per_second": float(event["tokens_per_second"]),
        }
        if event.get("peak_memory") is not None:
            metrics["train/peak_memory_gb"] = float(event["peak_memory"])
        return int(event["iteration"]), metrics
    if kind in ("val", "checkpoint") and event.get("val_loss") is not None:
        return int(event["iteration"]), {"val/loss": float(event["val_loss"])}
    return None


def training_metrics(run: TrainingRun) -> dict[str, float]:
    """A finished training's totals: final losses, throughput, memory, trainable parameters."""
    metrics = {
        "train/final_tokens_per_second": run.tokens_per_second,
        "train/peak_memory_gb": run.peak_memory_gb,
        "train/trainable_parameters": float(run.trainable_parameters),
    }
    if run.train_curve:
        metrics["train/final_loss"] = run.train_curve[-1].train_loss
    if run.val_curve:
        metrics["val/final_loss"] = run.val_curve[-1].val_loss
    return metrics


def report_metrics(prefix: str, report: EvalReport) -> dict[str, float]:
    """An evaluation's scores per category with their 95% intervals and sample sizes."""
    metrics = {f"{prefix}/overall/score": report.overall_score, f"{prefix}/overall/n": len(report.scored())}
    for category, interval in report.intervals().items():
        key = f"{prefix}/{safe_name(category)}"
        metrics |= {
            f"{key}/score": interval.rate,
            f"{key}/ci_low": interval.low,
            f"{key}/ci_high": interval.high,
            f"{key}/n": float(interval.n),
        }
    return metrics


def experiment_metrics(result: ExperimentResult) -> dict[str, float]:
    """Base and adapter scores, and per category the change with its paired test (one adapter)."""
    metrics = report_metrics("base", result.base) | report_metrics("adapter", result.adapter)
    for delta in category_deltas(result.base, result.adapter):
        key = safe_name(delta.category)
        metrics |= {f"change/{key}": delta.delta, f"change/{key}/mcnemar_p": delta.test.p_value}
    return metrics


def recipe_metrics(result: RecipeResult) -> dict[str, float]:
    """The recipe over its seeds: per category the mean change, its interval (seeds x prompts),
    the sample sizes and each seed's change in passed prompts; the base's scores beside them."""
    metrics = report_metrics("base", result.base)
    for effect in result.effects:
        key = f"recipe/{safe_name(effect.category)}"
        metrics |= {
            f"{key}/mean_change": effect.mean,
            f"{key}/ci_low": effect.low,
            f"{key}/ci_high": effect.high,
            f"{key}/seeds": float(effect.seeds),
            f"{key}/prompts": float(effect.prompts),
        }
        for seed, change in zip(result.seeds, effect.per_seed, strict=True):
            metrics[f"{key}/seed{seed}_change_prompts"] = float(change)
    return metrics


def decision_summary(decision: Decision) -> dict[str, str]:
    """A decision as text: its outcome, the claim it makes (adapter or recipe) and its detail."""
    return {"decision": decision.outcome, "claim": decision.claim, "decision_detail": decision.detail}


def artifact(name: str, kind: str, *paths: Path) -> Artifact:
    """The files among `paths` that exist, as one artifact (one without files is not stored)."""
    return Artifact(name, kind, tuple(path for path in paths if path.is_file()))


def adapter_artifact(adapter_dir: Path) -> Artifact:
    """A trained adapter as it is served, with the record and curve of its training (not its
    checkpoints, nor an engine's conversions cached beside it)."""
    names = (ADAPTER_WEIGHTS, ADAPTER_CONFIG, RUN_RECORD, METRICS_FILE)
    return artifact("adapter", "model", *(adapter_dir / name for name in names))


def experiment_artifacts(result: ExperimentResult) -> list[Artifact]:
    """What an experiment leaves: its adapter's files, its two reports and the comparison page."""
    reports = ("report.html", "report.json")
    adapter = [adapter_artifact(Path(result.adapter.adapter))] if result.adapter.adapter else []
    return [
        *adapter,
        artifact("base-report", "report", *(result.base_dir / name for name in reports)),
        artifact("adapter-report", "report", *(result.adapter_dir / name for name in reports)),
        artifact("comparison", "report", result.compare_html),
    ]
