"""Checkpoints in an adapter directory: latest, best by validation loss, and resume compatibility."""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.runtime.adapter_files import ADAPTER_CONFIG, ADAPTER_WEIGHTS, CHECKPOINT_SUFFIX
from punie.train.events import ValReport

CHECKPOINT = re.compile(rf"^(\d{{7}}){re.escape(CHECKPOINT_SUFFIX)}$")


def checkpoint_due(last: int, iteration: int, save_every: int, total: int) -> bool:
    """Pure: whether a report at `iteration` (the one before was at `last`) saves a checkpoint:
    the first report at or past each multiple of `save_every`, and the run's last step. Reports
    come every `steps_per_report` steps, so a multiple itself may never be reported."""
    return iteration // save_every > last // save_every or iteration == total


def checkpoints(adapter_dir: Path) -> dict[int, Path]:
    """iteration -> checkpoint file written by mlx-lm every `save_every` iterations."""
    found = {}
    for path in adapter_dir.glob(f"*{CHECKPOINT_SUFFIX}"):
        match = CHECKPOINT.match(path.name)
        if match:
            found[int(match[1])] = path
    return found


def safetensors_problem(path: Path) -> str | None:
    """Why `path` is not a complete safetensors file (None when it is): the header must parse and
    the file must end exactly where the header's last tensor does. A write cut by a kill or a
    full disk fails this; no weights are loaded."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            raw = handle.read(8)
            if len(raw) != 8:
                return f"torn ({size} bytes)"
            (header_size,) = struct.unpack("<Q", raw)
            if header_size > size - 8:
                return f"torn ({size} bytes, header says {header_size})"
            header = json.loads(handle.read(header_size))
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    except (ValueError, UnicodeDecodeError):
        return f"not a safetensors file ({size} bytes)"
    if not isinstance(header, dict):
        return "not a safetensors file"
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)]
    expected = 8 + header_size + max(ends, default=0)
    return None if size == expected else f"torn ({size} of {expected} bytes)"


@dataclass(frozen=True)
class ResumePoint:
    """The checkpoint a resumed run starts from, and the newer files it skipped as unusable."""

    iteration: int
    path: Path
    skipped: tuple[str, ...] = ()


def latest_checkpoint(adapter_dir: Path) -> ResumePoint | None:
    """The newest numbered checkpoint that is complete (torn ones are skipped and named); without
    numbered checkpoints, a complete `adapters.safetensors` counts as iteration 0."""
    skipped: list[str] = []
    found = checkpoints(adapter_dir)
    for iteration in sorted(found, reverse=True):
        problem = safetensors_problem(found[iteration])
        if problem is None:
            return ResumePoint(iteration, found[iteration], tuple(skipped))
        skipped.append(f"{found[iteration].name}: {problem}")
    final = adapter_dir / ADAPTER_WEIGHTS
    if not found and final.is_file() and safetensors_problem(final) is None:
        return ResumePoint(0, final)
    return None


def best_checkpoint(measured: Sequence[ValReport], saved: dict[int, Path]) -> tuple[int, float, Path] | None:
    """Pure: the saved weights with the lowest validation loss measured on exactly those weights
    (every run ends with a numbered checkpoint, so the last iteration competes too)."""
    candidates = [(report.val_loss, report.iteration) for report in measured if report.iteration in saved]
    if not candidates:
        return None
    loss, iteration = min(candidates)
    return iteration, loss, saved[iteration]


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


def check_resume(adapter_dir: Path, new_config: dict[str, Any], flag: str = "--resume") -> None:
    """Refuse to go on from `adapter_dir`'s weights (`--resume` a checkpoint, `--init-adapter`
    another run's adapter) when the new settings would change the trainable parameters."""
    config_file = adapter_dir / ADAPTER_CONFIG
    if not config_file.is_file():
        raise UsageError(f"{flag}: {adapter_dir} holds no {ADAPTER_CONFIG} to start from")
    if flag != "--resume" and not (adapter_dir / ADAPTER_WEIGHTS).is_file():
        raise UsageError(f"{flag}: {adapter_dir} holds no {ADAPTER_WEIGHTS} to start from")
    old = trainable_shape(json.loads(config_file.read_text()))
    new = trainable_shape({"fine_tune_type": "lora", **new_config})
    if old != new:
        raise UsageError(
            f"{flag} would change the trainable parameters (fine-tune type, rank, keys, layers): "
            f"{adapter_dir} has {old}, this run asks for {new}"
        )
