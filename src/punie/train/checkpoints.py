"""Checkpoints in an adapter directory: latest, best by validation loss, and resume compatibility."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.train.events import ValReport

CHECKPOINT = re.compile(r"^(\d{7})_adapters\.safetensors$")


def checkpoints(adapter_dir: Path) -> dict[int, Path]:
    """iteration -> checkpoint file written by mlx-lm every `save_every` iterations."""
    found = {}
    for path in adapter_dir.glob("*_adapters.safetensors"):
        match = CHECKPOINT.match(path.name)
        if match:
            found[int(match[1])] = path
    return found


def latest_checkpoint(adapter_dir: Path) -> tuple[int, Path] | None:
    found = checkpoints(adapter_dir)
    if found:
        iteration = max(found)
        return iteration, found[iteration]
    final = adapter_dir / "adapters.safetensors"
    return (0, final) if final.is_file() else None


def best_checkpoint(
    measured: Sequence[ValReport], saved: dict[int, Path], final: tuple[int, Path] | None = None
) -> tuple[int, float, Path] | None:
    """Pure: the saved weights with the lowest validation loss measured on exactly those weights.

    `final` is (last iteration, adapters.safetensors): the end of a run that is not a multiple of
    `save_every` has no numbered checkpoint, only the final file.
    """
    files = dict(saved)
    if final is not None and final[0] not in files:
        files[final[0]] = final[1]
    candidates = [(report.val_loss, report.iteration) for report in measured if report.iteration in files]
    if not candidates:
        return None
    loss, iteration = min(candidates)
    return iteration, loss, files[iteration]


def trainable_shape(adapter_config: dict[str, Any]) -> tuple[Any, ...]:
    """What fixes the trainable-parameter count: rank, keys and number of layers."""
    params = adapter_config.get("lora_parameters") or {}
    keys = tuple(sorted(params.get("keys") or ())) or None
    return (
        adapter_config.get("fine_tune_type", "lora"),
        params.get("rank"),
        keys,
        adapter_config.get("num_layers"),
    )


def check_resume(adapter_dir: Path, new_config: dict[str, Any]) -> None:
    """Refuse to resume when the new settings would change the trainable parameters."""
    config_file = adapter_dir / "adapter_config.json"
    if not config_file.is_file():
        raise UsageError(f"--resume: {adapter_dir} holds no adapter_config.json to resume from")
    old = trainable_shape(json.loads(config_file.read_text()))
    new = trainable_shape({"fine_tune_type": "lora", **new_config})
    if old != new:
        raise UsageError(
            f"--resume would change the trainable parameters (fine-tune type, rank, keys, layers): "
            f"the adapter has {old}, this run asks for {new}"
        )
