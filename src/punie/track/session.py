"""The trackers a command reports to, together: one call logs to each. A tracker that fails
(its store unwritable, its client crashed) is warned about once and left out of the rest of the
command; training, evaluation and the journal go on, since the journal is punie's own record."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from punie.track.payload import train_event_metrics
from punie.track.tracker import Artifact, RunInfo, TrackerRun, TrackerSpec

Warn = Callable[[str], None]


class TrackedRun:
    """One punie run in every tracker at once, started in each at its first logged value (a run
    that logs nothing, such as a grid cell an earlier invocation finished, is never created)."""

    def __init__(self, specs: Sequence[TrackerSpec], info: RunInfo, warn: Warn) -> None:
        self._specs = tuple(specs)
        self._info = info
        self._runs: dict[str, TrackerRun] | None = None
        self._warn = warn
        self.stored: list[str] = []  # where each tracker keeps the run, once finished

    def _started(self) -> dict[str, TrackerRun]:
        if self._runs is None:
            self._runs = {}
            for spec in self._specs:
                try:
                    self._runs[spec.name] = spec.load().start(self._info)
                except Exception as exc:  # its client could not start a run: go on without it
                    self._warn(
                        f"{spec.name}: could not start run {self._info.name} ({type(exc).__name__}: {exc})"
                    )
        return self._runs

    def _each(self, what: str, call: Callable[[TrackerRun], object]) -> None:
        runs = self._started()
        for name, run in list(runs.items()):
            try:
                call(run)
            except Exception as exc:  # a tracker's own failure, whatever its client raises
                self._warn(f"{name}: {what} failed ({type(exc).__name__}: {exc}); left out from now on")
                del runs[name]

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        if metrics:
            self._each("logging metrics", lambda run: run.log_metrics(metrics, step))

    def log_summary(self, values: Mapping[str, str]) -> None:
        self._each("logging the outcome", lambda run: run.log_summary(values))

    def log_artifacts(self, artifacts: Sequence[Artifact]) -> None:
        for artifact in (a for a in artifacts if a.files):

            def store(run: TrackerRun, artifact: Artifact = artifact) -> None:
                run.log_artifact(artifact)

            self._each(f"storing {artifact.name}", store)

    def beside(self, shown: Callable[[dict[str, Any]], None] | None) -> Callable[[dict[str, Any]], None]:
        """One handler for a training's events: `shown` (a progress bar's), then this run's."""

        def both(event: dict[str, Any]) -> None:
            if shown is not None:
                shown(event)
            self.on_train_event(event)

        return both

    def on_train_event(self, event: Mapping[str, Any]) -> None:
        """A training child's event, logged at its iteration when it is a loss or a rate."""
        if (found := train_event_metrics(event)) is not None:
            step, metrics = found
            self.log_metrics(metrics, step)

    def finish(self, ok: bool) -> None:
        if self._runs is not None:
            self._each("finishing the run", lambda run: self.stored.append(run.finish(ok)))


class Tracking:
    """The trackers of one command (none: every call does nothing)."""

    def __init__(self, specs: Sequence[TrackerSpec], warn: Warn, said: Warn | None = None) -> None:
        self.specs = tuple(specs)
        self._warn = warn
        self._said = said or warn

    @contextmanager
    def run(self, info: RunInfo) -> Iterator[TrackedRun]:
        """A run in every tracker for the block, finished as failed if the block raises."""
        tracked = TrackedRun(self.specs, info, self._warn)
        ok = False
        try:
            yield tracked
            ok = True
        finally:
            tracked.finish(ok)
            for where in tracked.stored:
                self._said(f"tracked: {where}")
