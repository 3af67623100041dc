"""Weights & Biases through its own client: one W&B run per punie run, in project `punie` (or
WANDB_PROJECT), grouped by `group`. Offline unless WANDB_MODE says otherwise or WANDB_API_KEY is
set: the run then lies in ./wandb/offline-run-* (or under WANDB_DIR) and `wandb sync` uploads it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import wandb

from punie.track.names import safe_name
from punie.track.tracker import Artifact, RunInfo

PROJECT = "punie"


def mode(env: Mapping[str, str]) -> str:
    """Pure: W&B's mode for `env`: what WANDB_MODE says, else online only with an API key."""
    return env.get("WANDB_MODE") or ("online" if env.get("WANDB_API_KEY") else "offline")


class WandbRun:
    def __init__(self, info: RunInfo) -> None:
        self._run = wandb.init(
            project=os.environ.get("WANDB_PROJECT") or PROJECT,
            name=info.name,
            group=info.group,
            config=dict(info.params),
            mode=mode(os.environ),  # type: ignore[arg-type]
            reinit="create_new",
            settings=wandb.Settings(silent=True, console="off"),
        )

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self._run.log(dict(metrics), step=step)

    def log_summary(self, values: Mapping[str, str]) -> None:
        self._run.summary.update(dict(values))

    def log_artifact(self, artifact: Artifact) -> None:
        stored = wandb.Artifact(safe_name(f"{self._run.name}-{artifact.name}"), type=artifact.kind)
        for file in artifact.files:
            stored.add_file(str(file), name=file.name)
        self._run.log_artifact(stored)

    def finish(self, ok: bool) -> str:
        where = self._run.dir
        self._run.finish(exit_code=0 if ok else 1)
        return f"wandb run {self._run.id} in {Path(where).parent}"


def start(info: RunInfo) -> WandbRun:
    return WandbRun(info)
