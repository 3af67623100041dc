"""`LoRAConfig` (TrainSettings plus what and where) and the pure builders of the training child's
spec: mlx-lm's arguments and punie's learning-rate schedule."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.runtime.adapter_files import ADAPTER_WEIGHTS
from punie.runtime.models import DEFAULT_MODEL
from punie.train.methods import METHODS
from punie.train.settings import (
    LR_SCHEDULES,
    MAX_COUNT,
    MLX_DEFAULT_SCALE,
    TRAIN_DEFAULTS,
    TrainSettings,
    training_settings,
    values,
)

__all__ = [
    "LR_SCHEDULES",
    "MAX_COUNT",
    "MLX_DEFAULT_SCALE",
    "TRAIN_DEFAULTS",
    "LoRAConfig",
    "TrainSettings",
    "build_train_spec",
    "lora_args",
    "training_settings",
]

SPEC_FILE = "punie-train-spec.json"
METRICS_FILE = "metrics.jsonl"
COSINE_END = 30  # a cosine schedule ends at the learning rate / COSINE_END


def schedule_args(settings: TrainSettings, start: int = 0) -> dict[str, Any] | None:
    """Pure: mlx-lm's `lr_schedule` for `settings` (None: a constant rate, mlx-lm's default), for
    a run that starts at iteration `start`. mlx-lm counts a resumed run's steps from 0, so a
    resumed schedule goes on from the rate it had reached, down to the same end."""
    lr, iters, cosine = settings.learning_rate, settings.iters, settings.lr_schedule == "cosine"
    warmup = min(settings.warmup, iters - 1)
    if not cosine and not warmup:
        return None
    end = lr / COSINE_END

    def main(peak: float, steps: int) -> dict[str, Any]:
        if cosine:
            return {"name": "cosine_decay", "arguments": [peak, steps, end]}
        return {"name": "linear_schedule", "arguments": [lr, lr, 1]}  # constant after the warmup

    decay = iters - warmup
    if start < warmup:  # mlx-lm joins the warmup's last step to the main schedule's first
        return {**main(lr, decay), "warmup": warmup - start, "warmup_init": lr * start / warmup}
    # resumed after the warmup (which a resumed constant schedule must not repeat either)
    done = min(max(0, start - warmup - 1) if warmup else start, decay)
    now = end + (lr - end) * 0.5 * (1 + math.cos(math.pi * done / decay))
    return main(now, max(1, iters - start))


@dataclass(frozen=True, kw_only=True)
class LoRAConfig(TrainSettings):
    """One LoRA training run: its settings, the dataset, where the adapter goes, the base model and
    the device; every field reaches mlx-lm's trainer."""

    data_dir: Path
    adapter_dir: Path
    model: str = DEFAULT_MODEL
    device: str = "auto"  # auto | cpu | gpu

    @classmethod
    def of(
        cls, settings: TrainSettings, *, data_dir: Path, adapter_dir: Path, model: str = DEFAULT_MODEL,
        device: str = "auto",
    ) -> LoRAConfig:  # fmt: skip
        """`settings` for one run on `data_dir`, written to `adapter_dir`."""
        return cls(data_dir=data_dir, adapter_dir=adapter_dir, model=model, device=device, **values(settings))


RARE_REPORTS = 10  # mlx-lm's own default
SMALL_MODEL = 50_000_000  # parameters: below this a CPU step takes tens of milliseconds


def report_every(requested: int | None, device: str, parameters: int | None = None) -> int:
    """Pure: how many steps mlx-lm's trainer runs between two reports. Each report costs about a
    millisecond (a host sync, mlx-lm's console line, our event line): nothing next to a CPU step of
    a real model (0.6 s and more for the embedded 135M one), where a user wants to see every step,
    but a share of a GPU step or of a tiny model's CPU step (benchmarks/README.md). So those report
    every 10th step, like mlx-lm itself; the child averages over the window."""
    if requested is not None:
        return requested
    if device == "gpu" or (parameters is not None and parameters < SMALL_MODEL):
        return RARE_REPORTS
    return 1


def lora_args(
    config: LoRAConfig, resume_file: Path | None = None, device: str = "cpu", parameters: int | None = None
) -> dict[str, Any]:
    """Pure: the `mlx_lm.lora` arguments (its own names) for `config` on the resolved `device`, for
    a model of about `parameters` parameters (None: unknown)."""
    lora_parameters: dict[str, Any] = {"rank": config.rank, "scale": config.scale, "dropout": config.dropout}
    if config.keys:
        lora_parameters["keys"] = list(config.keys)
    return {
        **config.extra,
        **config.passed_to_mlx(),
        "data": str(config.data_dir),
        "adapter_path": str(config.adapter_dir),
        "steps_per_report": report_every(config.steps_per_report, device, parameters),
        "lora_parameters": lora_parameters,
        "resume_adapter_file": str(resume_file or start_weights(config) or "") or None,
        **({"lr_schedule": schedule} if (schedule := schedule_args(config)) else {}),
    }


def start_weights(config: TrainSettings) -> Path | None:
    """Pure: the adapter weights a run starts from (`--init-adapter`), None for a fresh LoRA."""
    return Path(config.init_adapter) / ADAPTER_WEIGHTS if config.init_adapter else None


def preference_args(config: LoRAConfig) -> dict[str, Any] | None:
    """Pure: what the child's preference loss needs (None: the method trains on examples): beta,
    and the reference: `base`, `none`, or `start` with the adapter the run starts from (its
    directory: the child loads it as mlx-lm does, computes the reference, then takes it off)."""
    if not METHODS[config.method].preference:
        return None
    start = config.init_adapter if config.reference == "start" else None
    return {"beta": config.beta, "reference": config.reference, "start_adapter": start}


def default_dtype(device: str, requested: str | None) -> str | None:
    """Pure: bfloat16 on a GPU unless asked otherwise; on the CPU the model keeps its dtype."""
    return requested or ("bfloat16" if device == "gpu" else None)


def build_train_spec(
    config: LoRAConfig,
    model_dir: Path,
    resume_file: Path | None = None,
    device: str = "cpu",
    start_iteration: int = 0,
    parameters: int | None = None,
) -> dict[str, Any]:
    """Pure: what the training child reads (its SPEC.json). `device` is the resolved one; a resumed
    run continues counting from `start_iteration` up to `config.iters` (the total); `parameters`
    is the model's size (`model_parameters`), which sets how often steps are reported."""
    return {
        "start_iteration": start_iteration,
        "model": str(model_dir),
        "device": device,
        "dtype": default_dtype(device, config.dtype),
        "lora_args": lora_args(config, resume_file, device, parameters),
        "lr_schedule_now": schedule_args(config, start_iteration),  # the resumed run's own
        "check_keys": list(config.keys) if config.keys else None,
        "measure_checkpoints": True,
        "preference": preference_args(config),
        "events_path": str(config.adapter_dir / METRICS_FILE),
    }
