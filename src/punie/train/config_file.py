"""Read `punie train --config FILE.yaml`: punie's LoRAConfig names, or an `mlx_lm.lora` YAML as it is.

Every key of mlx-lm's config maps onto a punie setting (`data` -> the dataset, `adapter_path` ->
the output, `lora_parameters.{rank,scale,dropout,keys}`, ...), passes through to mlx-lm's
trainer unchanged (`lr_schedule` as mlx-lm's mapping, `optimizer`, `optimizer_config`,
`fine_tune_type: lora|dora`; `lr_schedule: cosine` is punie's own, with `warmup`),
or is refused with the reason. Numbers may be written as YAML strings (`1e-4`), as mlx-lm
accepts them. Errors name the file and the key.
"""

from __future__ import annotations

import dataclasses
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
        data = yaml.safe_load(text) or {}
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
