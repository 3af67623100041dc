"""Read `punie train --config FILE.yaml`: punie's LoRAConfig names, or an `mlx_lm.lora` YAML as it is.

Every key of mlx-lm's config maps onto a punie setting (`data` -> the dataset, `adapter_path` ->
the output, `lora_parameters.{rank,scale,dropout,keys}`, ...), passes through to mlx-lm's
trainer unchanged (`lr_schedule` as mlx-lm's mapping, `optimizer`, `optimizer_config`,
`fine_tune_type: lora|dora`; `lr_schedule: cosine` is punie's own, with `warmup`),
or is refused with the reason. The YAML is read as `mlx_lm.lora` reads it: `1e-4` is a number
at every depth (its float resolver), and what passes through is checked here, before anything
loads: `lr_schedule`'s keys, its scheduler (one of mlx's, with as many arguments as it takes), the
optimizer (one of mlx-lm's) and its settings. Errors name the file and the key.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path
from typing import Any

import yaml

from punie.errors import UsageError
from punie.train.lora_config import LoRAConfig
from punie.train.settings import declared, setting_type

FIELDS = {f.name: f for f in dataclasses.fields(LoRAConfig)}
RENAMED = {"data": "data_dir", "adapter_path": "adapter_dir"}  # mlx-lm's name -> punie's
PASSED_THROUGH = {"lr_schedule", "optimizer", "optimizer_config", "fine_tune_type"}  # to mlx-lm's trainer
REFUSED = {
    "resume_adapter_file": "use `punie train --resume` (it picks the newest checkpoint that loads)",
    "test_batches": "punie trains only: evaluate with `punie eval`",
    "report_to": "punie records runs in its own metrics.jsonl and journal",
    "wandb": "punie records runs in its own metrics.jsonl and journal",
    "project_name": "punie records runs in its own metrics.jsonl and journal",
    "hf_dataset": "hub datasets cannot be downloaded here: give a local dataset directory",
    "config": "nested configs are not read: give one file",
}
IGNORED_WHEN = {"train": True, "test": False}  # allowed at these values only
FINE_TUNE_TYPES = ("lora", "dora")
OPTIMIZERS = ("adam", "adamw", "muon", "sgd", "adafactor")  # mlx_lm.lora's --optimizer choices
SCHEDULE_KEYS = ("name", "arguments", "warmup", "warmup_init")  # mlx_lm.tuner.utils.build_schedule's
# mlx_lm.lora's float resolver: YAML 1.1 misses an exponent without a dot (`1e-4`); it reads it.
FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class ConfigLoader(yaml.SafeLoader):
    """YAML as mlx_lm.lora reads its config (its own loader changes PyYAML's SafeLoader itself)."""


ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT, list("-+0123456789."))
BOOLEANS = {name for name in declared() if setting_type(name) is bool}
INTEGERS = {name for name in declared() if setting_type(name) is int}


def _number(path: Path, key: str, value: Any, integer: bool) -> int | float:
    if isinstance(value, str):  # YAML reads 1e-4 as a string; mlx-lm accepts it
        try:
            value = float(value)
        except ValueError:
            raise UsageError(f"{path}: {key}: expected a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{path}: {key}: expected a number, got {value!r}")
    if integer:
        if float(value) != int(value):
            raise UsageError(f"{path}: {key}: expected a whole number, got {value!r}")
        return int(value)
    return float(value)


def _lora_parameters(path: Path, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: lora_parameters: expected a mapping (rank, scale, dropout, keys)")
    unknown = sorted(set(raw) - {"rank", "scale", "dropout", "keys"})
    if unknown:
        raise UsageError(f"{path}: lora_parameters: unknown key(s) {unknown}")
    out: dict[str, Any] = {}
    if "rank" in raw:
        out["rank"] = _number(path, "lora_parameters.rank", raw["rank"], True)
    if "dropout" in raw:
        out["dropout"] = _number(path, "lora_parameters.dropout", raw["dropout"], False)
    if "keys" in raw:
        out["keys"] = _keys(path, "lora_parameters.keys", raw["keys"])
    if "scale" in raw:  # mlx-lm multiplies by scale; punie's alpha = scale * rank
        scale = _number(path, "lora_parameters.scale", raw["scale"], False)
        out["alpha"] = scale * out.get("rank", FIELDS["rank"].default)
    return out


def _plain_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_schedule(path: Path, value: Any) -> None:
    """mlx-lm's `lr_schedule` mapping, checked as `build_schedule` will use it: a scheduler of
    `mlx.optimizers.schedulers` with numbers for as many arguments as it takes."""
    if not isinstance(value, dict):
        raise UsageError(f"{path}: lr_schedule: expected `cosine`, `constant` or mlx-lm's mapping")
    unknown = sorted(set(value) - set(SCHEDULE_KEYS))
    if unknown:
        raise UsageError(f"{path}: lr_schedule.{unknown[0]}: unknown key (known: {', '.join(SCHEDULE_KEYS)})")
    from mlx.optimizers import schedulers  # the schedulers mlx-lm looks up by name

    name = value.get("name")
    function = getattr(schedulers, name, None) if isinstance(name, str) and not name.startswith("_") else None
    if not inspect.isfunction(function) or name in ("join_schedules",):
        known = sorted(
            n for n, f in vars(schedulers).items() if inspect.isfunction(f) and n != "join_schedules"
        )
        raise UsageError(
            f"{path}: lr_schedule.name: {name!r} is not one of mlx's schedulers ({', '.join(known)})"
        )
    arguments = value.get("arguments")
    if not isinstance(arguments, list) or not all(_plain_number(a) for a in arguments):
        raise UsageError(f"{path}: lr_schedule.arguments: expected a list of numbers, got {arguments!r}")
    parameters = list(inspect.signature(function).parameters.values())
    needed = sum(1 for p in parameters if p.default is inspect.Parameter.empty)
    if not needed <= len(arguments) <= len(parameters):
        raise UsageError(
            f"{path}: lr_schedule.arguments: {name} takes {needed} to {len(parameters)} "
            f"({', '.join(p.name for p in parameters)}), got {len(arguments)}"
        )
    warmup = value.get("warmup", 0)
    if not isinstance(warmup, int) or isinstance(warmup, bool) or warmup < 0:
        raise UsageError(f"{path}: lr_schedule.warmup: expected a whole number of steps, got {warmup!r}")
    if not _plain_number(value.get("warmup_init", 0.0)):
        raise UsageError(f"{path}: lr_schedule.warmup_init: expected a number, got {value['warmup_init']!r}")


def check_optimizer(path: Path, key: str, value: Any) -> None:
    """`optimizer` (one of mlx-lm's) or `optimizer_config` (optimizer -> its keyword settings)."""
    if key == "optimizer":
        if value not in OPTIMIZERS:
            raise UsageError(f"{path}: optimizer: {value!r} is not one of mlx-lm's ({', '.join(OPTIMIZERS)})")
        return
    if not isinstance(value, dict):
        raise UsageError(f"{path}: optimizer_config: expected a mapping of optimizer -> its settings")
    for name, settings in value.items():
        if name not in OPTIMIZERS:
            raise UsageError(
                f"{path}: optimizer_config.{name}: not one of mlx-lm's optimizers ({', '.join(OPTIMIZERS)})"
            )
        if not isinstance(settings, dict) or not all(isinstance(k, str) for k in settings):
            raise UsageError(f"{path}: optimizer_config.{name}: expected a mapping of its settings")
        for setting, number in settings.items():
            numbers = number if isinstance(number, list) else [number]
            if not all(_plain_number(n) or isinstance(n, bool) for n in numbers):
                raise UsageError(
                    f"{path}: optimizer_config.{name}.{setting}: expected a number, got {number!r}"
                )


def _keys(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{path}: {key}: expected a list of module names")
    return tuple(value)


def _one(path: Path, key: str, value: Any, values: dict[str, Any], extra: dict[str, Any]) -> None:
    if key in REFUSED:
        raise UsageError(f"{path}: {key}: not supported: {REFUSED[key]}")
    if key in IGNORED_WHEN:
        if value != IGNORED_WHEN[key]:
            raise UsageError(
                f"{path}: {key}: {value!r} is not supported: punie train always trains, then stops"
            )
        return
    if key == "fine_tune_type" and value not in FINE_TUNE_TYPES:
        raise UsageError(
            f"{path}: fine_tune_type: {value!r} is not supported (punie trains adapters: lora or dora)"
        )
    if key == "lr_schedule" and isinstance(value, str):
        values[key] = value
    elif key in PASSED_THROUGH:
        if key == "lr_schedule":
            check_schedule(path, value)
        elif key.startswith("optimizer"):
            check_optimizer(path, key, value)
        extra[key] = value
    elif key == "lora_parameters":
        values.update(_lora_parameters(path, value))
    elif key in RENAMED or key in ("data_dir", "adapter_dir"):
        values[RENAMED.get(key, key)] = Path(str(value))
    elif key == "keys":
        values[key] = _keys(path, key, value)
    elif key in BOOLEANS:
        if not isinstance(value, bool):
            raise UsageError(f"{path}: {key}: expected true or false, got {value!r}")
        values[key] = value
    elif key in ("model", "device", "dtype"):
        values[key] = str(value)
    elif key == "extra":
        if not isinstance(value, dict):
            raise UsageError(f"{path}: extra: expected a mapping")
        extra.update(value)
    elif key in FIELDS:
        values[key] = _number(path, key, value, key in INTEGERS)
    else:
        known = sorted({*FIELDS, *RENAMED, *PASSED_THROUGH, "lora_parameters", *IGNORED_WHEN} - {"extra"})
        raise UsageError(f"{path}: {key}: unknown setting (known: {', '.join(known)})")


def read_train_config(path: Path) -> dict[str, Any]:
    """LoRAConfig keyword arguments from a YAML file of punie's or mlx_lm.lora's settings."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config ({exc.strerror})") from exc
    try:
        data = yaml.load(text, Loader=ConfigLoader) or {}  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise UsageError(f"{path}{line}: invalid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        _one(path, str(key), value, values, extra)
    if extra:
        values["extra"] = extra
    return values
