"""Pure parsing of the training child's event lines (JSON, one per line)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrainReport:
    """One `on_train_loss_report` from mlx-lm's trainer: the `steps` iterations up to `iteration`
    (mlx-lm reports every `steps_per_report` steps; loss and rates are over that window)."""

    iteration: int
    train_loss: float
    learning_rate: float
    iterations_per_second: float
    tokens_per_second: float
    trained_tokens: float
    peak_memory_gb: float
    steps: int = 1

    @property
    def seconds(self) -> float:
        """Training time of the window (validation and saving excluded)."""
        return self.steps * self.seconds_per_iter

    @property
    def seconds_per_iter(self) -> float:
        return 1.0 / self.iterations_per_second if self.iterations_per_second else float("inf")


TOKENS_PER_SECOND = (
    "trained tokens/s: the tokens the loss is computed on, over training time (validation and "
    "saving excluded), from the second reported step on (the first one compiles)"
)


def aggregate_tokens_per_second(reports: Sequence[TrainReport]) -> float:
    """Tokens over time across `reports` (each report's rate weighted by its duration)."""
    seconds = sum(r.seconds for r in reports)
    return sum(r.tokens_per_second * r.seconds for r in reports) / seconds if seconds else 0.0


def training_tokens_per_second(reports: Sequence[TrainReport]) -> float:
    """The one tokens/s a training run shows (see TOKENS_PER_SECOND): the progress bar and the
    summary both call this."""
    return aggregate_tokens_per_second(reports[1:] or reports)


@dataclass(frozen=True)
class ValReport:
    iteration: int
    val_loss: float
    val_time: float


@dataclass(frozen=True)
class ChildSummary:
    """Everything the child reported, in order."""

    device: str = ""
    mlx: str = ""
    mlx_lm: str = ""
    load_seconds: float | None = None
    train_seconds: float | None = None
    trainable_parameters: int | None = None
    peak_memory_gb: float | None = None
    train: tuple[TrainReport, ...] = ()
    val: tuple[ValReport, ...] = ()
    checkpoint_val: tuple[ValReport, ...] = ()
    error: str | None = None
    # all tokens per trained token in the training split (1.0 unless only completions are trained)
    all_token_ratio: float = 1.0
    world_size: int = 1  # ranks under mlx.launch
    backend: str = "none"  # its backend (ring, mpi, nccl), "none" for one process

    @property
    def finished(self) -> bool:
        return self.train_seconds is not None


def parse_event(line: str) -> dict[str, Any] | None:
    """One event, or None for a blank or partly written line."""
    line = line.strip()
    if not line:
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def train_report(event: dict[str, Any]) -> TrainReport:
    return TrainReport(
        iteration=int(event["iteration"]),
        train_loss=float(event["train_loss"]),
        learning_rate=float(event.get("learning_rate", 0.0)),
        iterations_per_second=float(event["iterations_per_second"]),
        tokens_per_second=float(event["tokens_per_second"]),
        trained_tokens=float(event.get("trained_tokens", 0.0)),
        peak_memory_gb=float(event.get("peak_memory", 0.0)),
        steps=int(event.get("steps", 1)),
    )


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every complete event in an events file (a torn last line is not an event yet)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [event for line in text.splitlines() if (event := parse_event(line)) is not None]


def summarize(events: Iterable[dict[str, Any]]) -> ChildSummary:
    fields: dict[str, Any] = {}
    train: list[TrainReport] = []
    val: list[ValReport] = []
    checkpoint_val: list[ValReport] = []
    for event in events:
        kind = event["event"]
        if kind == "start":
            fields.update(
                device=event.get("device", ""),
                mlx=event.get("mlx", ""),
                mlx_lm=event.get("mlx_lm", ""),
                world_size=int(event.get("world_size", 1)),
                backend=str(event.get("backend", "none")),
            )
        elif kind == "data" and event.get("trained_tokens"):
            fields["all_token_ratio"] = float(event["all_tokens"]) / float(event["trained_tokens"])
        elif kind == "loaded":
            fields["load_seconds"] = float(event["seconds"])
        elif kind == "train":
            train.append(train_report(event))
        elif kind == "val":
            val.append(ValReport(int(event["iteration"]), float(event["val_loss"]), float(event["val_time"])))
        elif kind == "checkpoint" and "val_loss" in event:
            checkpoint_val.append(ValReport(int(event["iteration"]), float(event["val_loss"]), 0.0))
        elif kind == "done":
            fields.update(
                train_seconds=float(event["train_seconds"]),
                trainable_parameters=int(event["trainable_parameters"]),
                peak_memory_gb=float(event["peak_memory_gb"]),
            )
        elif kind == "error":
            fields["error"] = str(event.get("message", "unknown error"))
    return ChildSummary(train=tuple(train), val=tuple(val), checkpoint_val=tuple(checkpoint_val), **fields)
