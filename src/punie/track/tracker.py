"""What a tracker is to punie, and the trackers it knows, declared once by name.

A tracker turns punie's runs (a training, an experiment, a recipe's summary) into its own runs:
settings as params, losses and scores as metrics, the adapter and reports as artifacts. Each one
lives in its own module behind the same two protocols and is imported only when asked for, from
the optional extra that installs its client library.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from punie.errors import UsageError

Param = str | int | float | bool | None


@dataclass(frozen=True)
class RunInfo:
    """One tracker run: its name, the group it belongs to (a grid, a recipe, `train`), its params."""

    name: str
    group: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or not self.group:
            raise ValueError("a tracker run needs a name and a group")


@dataclass(frozen=True)
class Artifact:
    """Files stored with a run under one name (W&B and Trackio version it; MLflow keeps a folder)."""

    name: str
    kind: str  # "model", "report"
    files: tuple[Path, ...]


class TrackerRun(Protocol):
    """One started run in one tracker."""

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None: ...

    def log_summary(self, values: Mapping[str, str]) -> None:
        """Text outcomes (a decision, its claim): a tag, a summary value or a log row."""

    def log_artifact(self, artifact: Artifact) -> None: ...

    def finish(self, ok: bool) -> str:
        """End the run (failed when not `ok`); returns where it is stored, for one line to the user."""
        ...


class Tracker(Protocol):
    def start(self, info: RunInfo) -> TrackerRun: ...


@dataclass(frozen=True)
class TrackerSpec:
    """A tracker punie can report to: its name on the command line, the module holding punie's side
    of it (a `start(info) -> TrackerRun` function), the client it imports, the extra installing it."""

    name: str
    module: str
    client: str
    extra: str

    def load(self) -> Tracker:
        return importlib.import_module(self.module)  # type: ignore[return-value]

    def installed(self) -> bool:
        return importlib.util.find_spec(self.client) is not None


TRACKERS: dict[str, TrackerSpec] = {
    spec.name: spec
    for spec in (
        TrackerSpec("mlflow", "punie.track.mlflow_store", "mlflow", "mlflow"),
        TrackerSpec("wandb", "punie.track.wandb_store", "wandb", "wandb"),
        TrackerSpec("trackio", "punie.track.trackio_store", "trackio", "trackio"),
    )
}

REPORT_TO_HELP = (
    f"Also log the run to experiment trackers ({', '.join(TRACKERS)}; repeat or comma-separate), each "
    "through its own client, an extra (uv sync --extra NAME), to its local store without a network."
)


def parse_report_to(values: Sequence[str]) -> tuple[TrackerSpec, ...]:
    """Pure but for the installed check: the trackers named (repeated or comma-separated), each
    once, in order; an unknown name or a missing client library is a usage error naming the fix."""
    names = [n.strip().lower() for value in values for n in value.split(",") if n.strip()]
    chosen: list[TrackerSpec] = []
    for name in names:
        if name in ("none", "") and len(names) == 1:
            return ()
        spec = TRACKERS.get(name)
        if spec is None:
            raise UsageError(f"--report-to: unknown tracker {name!r} (choose from {', '.join(TRACKERS)})")
        if not spec.installed():
            raise UsageError(
                f"--report-to {name}: its client library `{spec.client}` is not installed; "
                f"install its extra: uv sync --extra {spec.extra} (pip: pip install 'punie[{spec.extra}]')"
            )
        if spec not in chosen:
            chosen.append(spec)
    return tuple(chosen)
