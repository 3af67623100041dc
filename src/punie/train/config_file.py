"""Read `punie train --config FILE.yaml`: LoRAConfig field names, checked, with file and key in errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from punie.errors import UsageError
from punie.train.lora_config import LoRAConfig

FIELDS = {f.name: f for f in dataclasses.fields(LoRAConfig)}


def read_train_config(path: Path) -> dict[str, Any]:
    """The YAML mapping of LoRAConfig fields; unknown keys and bad values are errors."""
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
    unknown = sorted(set(data) - set(FIELDS) - {"data_dir", "adapter_dir"})
    if unknown:
        raise UsageError(f"{path}: unknown setting(s) {unknown}; known: {sorted(FIELDS)}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("data_dir", "adapter_dir"):
            values[key] = Path(value)
        elif key == "keys":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{path}: keys: expected a list of module names")
            values[key] = tuple(value)
        elif key in ("mask_prompt", "grad_checkpoint"):
            if not isinstance(value, bool):
                raise UsageError(f"{path}: {key}: expected true or false, got {value!r}")
            values[key] = value
        elif key in ("model",):
            values[key] = str(value)
        elif key == "extra":
            values[key] = dict(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise UsageError(f"{path}: {key}: expected a number, got {value!r}")
            values[key] = value
    return values
