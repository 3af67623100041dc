"""`TrainSettings`: every training setting declared once, with its default, range, help, CLI flag,
grid-axis name and mlx-lm name. The CLI options (`train`, `experiment run/grid`, `bench train`,
the demo), the grid's axes, the YAML config reader and mlx-lm's arguments are all generated from
these declarations: a new setting is one field here (plus its test)."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any

from punie.errors import UsageError
from punie.train.methods import METHODS, REFERENCES

MAX_COUNT = 10**9  # iterations, sizes: far past any real run, and inside mlx-lm's int32 counters
LR_SCHEDULES = ("constant", "cosine")
MLX_DEFAULT_SCALE = 20.0


@dataclass(frozen=True)
class Setting:
    """What punie knows of one training setting besides its default.

    `flag`: its CLI option (None: YAML config and API only); `axis`: its short name in a grid
    cell's name (None: not a grid axis); `mlx`: mlx-lm's argument it passes to unchanged (None:
    punie translates it, in `lora_config.lora_args`). Its range: from `low` to `high`, or from
    `low` to below `below`, or `positive`; `choices` lists the values a text setting takes."""

    help: str
    flag: str | None = None
    axis: str | None = None
    mlx: str | None = None
    low: int | None = None
    high: int | None = None
    positive: bool = False
    below: float | None = None
    choices: tuple[str, ...] = ()

    def problem(self, name: str, value: Any) -> str | None:
        """Pure: why `value` is out of this setting's range (None: it is in range, or None)."""
        if self.choices and value is not None and value not in self.choices:
            return f"{name} must be one of {', '.join(self.choices)}, got {value!r}"
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            return f"{name} must be from {self.low:,} to {self.high:,}, got {value}"
        if self.positive and value <= 0:
            return f"{name} must be positive, got {value}"
        if self.low is not None and self.below is not None and not self.low <= value < self.below:
            return f"{name} must be in [{self.low:g}, {self.below:g}), got {value}"
        return None


def _setting(default: Any, help: str, **meta: Any) -> Any:
    return field(default=default, metadata={"setting": Setting(help=help, **meta)})


def _count(default: Any, help: str, low: int = 1, **meta: Any) -> Any:
    return _setting(default, help, low=low, high=MAX_COUNT, **meta)


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """How to train, apart from what and where: the one typed set of training settings, with
    punie's one set of defaults. 8 layers, learning rate 1e-4 and 1024 tokens suit a laptop CPU;
    mlx-lm's own (16 layers, 1e-5, 2048) suit a GPU. Commands that size a run differently (the
    demo, `bench train`) override values of this type, never declare their own.

    `alpha` follows the peft convention: the LoRA update is multiplied by alpha / rank. mlx-lm has
    no alpha; it multiplies by `scale` directly, so `scale = alpha / rank`. Without `alpha`,
    mlx-lm's default scale (20.0) is used, i.e. alpha = 20 * rank.
    """

    iters: int = _count(
        100,
        "Training iterations (the total: `train --resume` continues up to it).",
        flag="--iters",
        axis="it",
        mlx="iters",
    )
    batch_size: int = _count(4, "Examples per step.", flag="--batch-size", axis="bs", mlx="batch_size")
    learning_rate: float = _setting(
        1e-4, "Learning rate.", flag="--lr", axis="lr", mlx="learning_rate", positive=True
    )
    rank: int = _count(8, "LoRA rank.", flag="--rank", axis="r")
    alpha: float | None = _setting(
        None,
        "LoRA alpha; mlx-lm scale = alpha / rank (none: scale 20).",
        flag="--alpha",
        axis="a",
        positive=True,
    )
    dropout: float = _setting(0.0, "LoRA dropout.", low=0, below=1)
    num_layers: int = _count(
        8, "Layers that get LoRA adapters.", flag="--num-layers", axis="l", mlx="num_layers"
    )
    keys: tuple[str, ...] | None = _setting(None, "Modules that get LoRA (none: mlx-lm's choice).")
    max_seq_length: int = _count(
        1024,
        "Longest example in tokens (longer ones are cut).",
        flag="--max-seq-length",
        mlx="max_seq_length",
    )
    mask_prompt: bool = _setting(
        False, "Train on completions only (mlx-lm's mask_prompt).", flag="--mask-prompt", axis="mp",
        mlx="mask_prompt",
    )  # fmt: skip
    lr_schedule: str = _setting(
        "constant",
        "constant | cosine (decays to the learning rate / 30 at the last iteration).",
        flag="--lr-schedule",
        axis="ls",
        choices=LR_SCHEDULES,
    )
    warmup: int = _count(
        0, "Iterations rising linearly from 0 to the learning rate.", low=0, flag="--warmup", axis="wu"
    )
    method: str = _setting(
        "sft",
        "sft (examples) | dpo (preference pairs: prompt, chosen, rejected).",
        flag="--method",
        axis="m",
        choices=tuple(METHODS),
    )
    beta: float = _setting(
        0.1,
        "DPO's beta: how far the adapter may move from the reference.",
        flag="--beta",
        axis="b",
        positive=True,
    )
    reference: str = _setting(
        "base",
        "DPO's reference: base (the same weights, adapter off) | start (the model as training "
        "starts: with --init-adapter, that adapter) | none (reference-free).",
        flag="--dpo-reference",
        choices=REFERENCES,
    )
    init_adapter: str | None = _setting(
        None,
        "Start from this adapter's weights (a directory `punie train` wrote, with the same rank, "
        "layers and keys): DPO after SFT.",
        flag="--init-adapter",
    )
    grad_checkpoint: bool = _setting(False, "Recompute activations to save memory.", mlx="grad_checkpoint")
    seed: int = _setting(0, "Seed of mlx-lm's data order and LoRA initialisation.", mlx="seed")
    save_every: int = _count(100, "Iterations between checkpoints.", mlx="save_every")
    steps_per_eval: int = _count(
        200, "Iterations between validations (each checkpoint is validated too).", mlx="steps_per_eval",
        flag="--steps-per-eval",
    )  # fmt: skip
    val_batches: int = _setting(
        25, "Validation batches (-1: the whole split, 0: none).", mlx="val_batches", flag="--val-batches"
    )
    steps_per_report: int | None = _count(
        None, "Iterations between reports (none: by device and size).", flag="--steps-per-report"
    )
    dtype: str | None = _setting(
        None, "Weights' dtype (none: bfloat16 on a GPU, the model's own on the CPU)."
    )
    extra: dict[str, Any] = field(default_factory=dict)  # passed to mlx-lm's trainer as they are

    def __post_init__(self) -> None:
        for name, setting in declared().items():
            if problem := setting.problem(name, getattr(self, name)):
                raise UsageError(problem)
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
        return TrainSettings(**values(self))

    def changed(self) -> dict[str, Any]:
        """Pure: the settings that differ from punie's defaults, by name (for journals and logs)."""
        return {name: value for name, value in values(self).items() if value != TRAIN_DEFAULTS[name]}

    def passed_to_mlx(self) -> dict[str, Any]:
        """Pure: the settings mlx-lm's trainer takes as they are, under its own names."""
        return {s.mlx: getattr(self, name) for name, s in declared().items() if s.mlx}


def declared() -> dict[str, Setting]:
    """Every declared setting of TrainSettings, by field name, in declaration order."""
    return _DECLARED


def setting_type(name: str) -> type:
    """The plain type of setting `name`: int, float, bool or str (Optional unwrapped); tuple and
    dict for the settings no CLI option takes."""
    hint = _HINTS[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) and args:
        hint = args[0]
    return typing.get_origin(hint) or hint


def parse_value(name: str, text: str) -> Any:
    """Pure: setting `name`'s value from its text (`1e-4`, `true`, `cosine`); ValueError if it is
    not one, UsageError if it is out of range."""
    kind = setting_type(name)
    value: Any
    if kind is bool:
        flags = {"true": True, "false": False}
        if text.lower() not in flags:
            raise ValueError(text)
        value = flags[text.lower()]
    elif kind is str:
        choices = {c.lower(): c for c in _DECLARED[name].choices}
        value = choices.get(text.lower(), text)
    elif kind in (int, float):
        value = kind(text)
    else:
        raise ValueError(f"{name} takes no single value")
    if problem := _DECLARED[name].problem(name, value):
        raise UsageError(problem)
    return value


def values(settings: TrainSettings) -> dict[str, Any]:
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


_DECLARED: dict[str, Setting] = {
    f.name: f.metadata["setting"] for f in fields(TrainSettings) if "setting" in f.metadata
}
_HINTS = typing.get_type_hints(TrainSettings)
# The one set of training defaults, by name (CLI help and experiment settings read it from here).
TRAIN_DEFAULTS: dict[str, Any] = values(TrainSettings())
