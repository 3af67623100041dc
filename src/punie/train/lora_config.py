"""`LoRAConfig` and the pure builders that turn it into the training child's spec and command."""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.runtime.models import DEFAULT_MODEL

MLX_DEFAULT_SCALE = 20.0
SPEC_FILE = "punie-train-spec.json"
METRICS_FILE = "metrics.jsonl"
MAX_COUNT = 10**9  # iterations, sizes: far past any real run, and inside mlx-lm's int32 counters
LR_SCHEDULES = ("constant", "cosine")
COSINE_END = 30  # a cosine schedule ends at the learning rate / COSINE_END


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """How to train, apart from what and where: the one typed set of training settings, with
    punie's one set of defaults. `punie train`, `experiment run`, `experiment grid`, `bench train`
    and the demo (which overrides only its iterations, batch and sequence sizes, validation,
    completions-only loss and learning rate) all read these: 8 layers, learning rate 1e-4 and
    1024 tokens suit a laptop CPU; mlx-lm's own (16 layers, 1e-5, 2048) suit a GPU.

    `alpha` follows the peft convention: the LoRA update is multiplied by alpha / rank. mlx-lm has
    no alpha; it multiplies by `scale` directly, so `scale = alpha / rank`. Without `alpha`,
    mlx-lm's default scale (20.0) is used, i.e. alpha = 20 * rank.
    """

    iters: int = 100
    batch_size: int = 4
    learning_rate: float = 1e-4
    rank: int = 8
    alpha: float | None = None
    dropout: float = 0.0
    num_layers: int = 8
    keys: tuple[str, ...] | None = None
    max_seq_length: int = 1024
    mask_prompt: bool = False
    lr_schedule: str = "constant"  # or "cosine": decays to learning_rate / 30 at the last iteration
    warmup: int = 0  # iterations rising linearly from 0 to the learning rate (at most iters - 1 used)
    grad_checkpoint: bool = False
    seed: int = 0
    save_every: int = 100
    steps_per_eval: int = 200
    val_batches: int = 25
    steps_per_report: int | None = None  # None: `report_every` picks by device and model size
    dtype: str | None = None  # None: bfloat16 on a GPU, the model's own (float32) on the CPU
    extra: dict[str, Any] = field(default_factory=dict)  # passed to mlx-lm's trainer as they are

    def __post_init__(self) -> None:
        positive = (
            "iters",
            "batch_size",
            "rank",
            "num_layers",
            "max_seq_length",
            "save_every",
            "steps_per_eval",
        )
        for name in positive:
            if not 1 <= getattr(self, name) <= MAX_COUNT:
                raise UsageError(f"{name} must be from 1 to {MAX_COUNT:,}, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise UsageError(f"learning_rate must be positive, got {self.learning_rate}")
        if not 0 <= self.dropout < 1:
            raise UsageError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.steps_per_report is not None and not 1 <= self.steps_per_report <= MAX_COUNT:
            raise UsageError(f"steps_per_report must be from 1 to {MAX_COUNT:,}, got {self.steps_per_report}")
        if self.alpha is not None and self.alpha <= 0:
            raise UsageError(f"alpha must be positive, got {self.alpha}")
        if self.lr_schedule not in LR_SCHEDULES:
            known = ", ".join(LR_SCHEDULES)
            raise UsageError(f"lr_schedule must be one of {known}, got {self.lr_schedule!r}")
        if not 0 <= self.warmup <= MAX_COUNT:
            raise UsageError(f"warmup must be from 0 to {MAX_COUNT:,}, got {self.warmup}")
        if "lr_schedule" in self.extra and (self.lr_schedule != "constant" or self.warmup):
            raise UsageError("give the learning-rate schedule once: lr_schedule/warmup, or mlx-lm's in extra")

    @property
    def scale(self) -> float:
        return self.alpha / self.rank if self.alpha is not None else MLX_DEFAULT_SCALE

    def with_iters(self, iters: int) -> TrainSettings:
        """These settings for `iters` iterations, checkpointed halfway and validated at the end (as
        training_settings does)."""
        return dataclasses.replace(self, iters=iters, save_every=max(1, iters // 2), steps_per_eval=iters)

    def settings(self) -> TrainSettings:
        """These settings alone (a LoRAConfig's without its data, output, model and device)."""
        return TrainSettings(**_values(self))

    def changed(self) -> dict[str, Any]:
        """Pure: the settings that differ from punie's defaults, by name (for journals and logs)."""
        return {name: value for name, value in _values(self).items() if value != TRAIN_DEFAULTS[name]}


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


def _values(settings: TrainSettings) -> dict[str, Any]:
    """Every TrainSettings field of `settings` (a LoRAConfig too), by name."""
    return {f.name: getattr(settings, f.name) for f in fields(TrainSettings)}


def training_settings(iters: int, **overrides: Any) -> TrainSettings:
    """Pure: the settings of a run of `iters` iterations, with a checkpoint halfway and at the end
    and mlx-lm's own validation once at the end; `overrides` names any other setting. An unknown
    name is one line naming the known ones."""
    unknown = sorted(set(overrides) - set(TRAIN_DEFAULTS))
    if unknown:
        known = ", ".join(sorted(TRAIN_DEFAULTS))
        raise UsageError(f"training: unknown setting(s) {unknown}; known: {known}")
    return dataclasses.replace(TrainSettings().with_iters(iters), **overrides)


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
        return cls(
            data_dir=data_dir, adapter_dir=adapter_dir, model=model, device=device, **_values(settings)
        )


# The one set of training defaults, by name (CLI help and experiment settings read it from here).
TRAIN_DEFAULTS: dict[str, Any] = _values(TrainSettings())


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
        "data": str(config.data_dir),
        "adapter_path": str(config.adapter_dir),
        "iters": config.iters,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "num_layers": config.num_layers,
        "max_seq_length": config.max_seq_length,
        "mask_prompt": config.mask_prompt,
        "grad_checkpoint": config.grad_checkpoint,
        "seed": config.seed,
        "save_every": config.save_every,
        "steps_per_eval": config.steps_per_eval,
        "val_batches": config.val_batches,
        "steps_per_report": report_every(config.steps_per_report, device, parameters),
        "lora_parameters": lora_parameters,
        "resume_adapter_file": str(resume_file) if resume_file else None,
        **({"lr_schedule": schedule} if (schedule := schedule_args(config)) else {}),
    }


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
        "events_path": str(config.adapter_dir / METRICS_FILE),
    }


def build_train_command(config: LoRAConfig, python: str = sys.executable) -> list[str]:
    """Pure: the argv of the training child for `config` (its spec lives in the adapter dir)."""
    return [python, "-m", "punie.train.child", str(config.adapter_dir / SPEC_FILE)]
