"""Trackio through its own client: one Trackio run per punie run, in project `punie`, grouped by
`group`, in Trackio's local database (TRACKIO_DIR, by default ~/.cache/huggingface/trackio).
Trackio has no run summary and writes a run's config only with its first rows, so text outcomes
are a log row of their own."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping

import trackio
from trackio import context_vars

from punie.track.names import safe_name
from punie.track.tracker import Artifact, RunInfo

PROJECT = "punie"


class TrackioRun:
    def __init__(self, info: RunInfo) -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # its banner would cut into punie's output
            self._run = trackio.init(
                project=PROJECT,
                name=info.name,
                group=info.group,
                config=dict(info.params),
                embed=False,
                auto_log_gpu=False,
                auto_log_cpu=False,
            )

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self._run.log(dict(metrics), step=step)

    def log_summary(self, values: Mapping[str, str]) -> None:
        self._run.log(dict(values))  # text values in a log row: its config is written once, at start

    def log_artifact(self, artifact: Artifact) -> None:
        stored = trackio.Artifact(safe_name(f"{self._run.name}-{artifact.name}"), type=artifact.kind)
        for file in artifact.files:
            stored.add_file(str(file), name=file.name)
        self._run.log_artifact(stored)

    def finish(self, ok: bool) -> str:
        with contextlib.redirect_stdout(io.StringIO()):
            self._run.finish()
        # Trackio's exit hook finishes its current run (a context variable) again and prints; this
        # run may have started inside an event loop, whose context `trackio.finish()` cannot see.
        if context_vars.current_run.get() is self._run:
            context_vars.current_run.set(None)
        return f"trackio run {self._run.name} in project {PROJECT} (trackio show --project {PROJECT})"


def start(info: RunInfo) -> TrackioRun:
    return TrackioRun(info)
