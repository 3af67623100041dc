"""Tracker modules for the session tests: each records what it was given, one fails to start, one
fails at its first metrics. Loaded by name, as punie loads a real tracker's module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from punie.track.tracker import Artifact, RunInfo

LOG: list[tuple[str, Any]] = []


class Recorder:
    def __init__(self, info: RunInfo, fail_on_metrics: bool = False) -> None:
        self.info = info
        self.fail_on_metrics = fail_on_metrics
        LOG.append(("start", info.name))

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        if self.fail_on_metrics:
            raise OSError("disk full")
        LOG.append(("metrics", (dict(metrics), step)))

    def log_summary(self, values: Mapping[str, str]) -> None:
        LOG.append(("summary", dict(values)))

    def log_artifact(self, artifact: Artifact) -> None:
        LOG.append(("artifact", (artifact.name, [f.name for f in artifact.files])))

    def finish(self, ok: bool) -> str:
        LOG.append(("finish", ok))
        return f"recorder {self.info.name}"


def start(info: RunInfo) -> Recorder:
    return Recorder(info)
