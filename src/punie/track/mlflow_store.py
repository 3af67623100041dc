"""MLflow through its own client: one MLflow run per punie run, in experiment `punie` (or
MLFLOW_EXPERIMENT_NAME), under MLFLOW_TRACKING_URI (MLflow's default: sqlite:///mlflow.db in the
working directory). The group is the tag `punie.group`, text outcomes are tags."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

import mlflow
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

from punie.track.tracker import Artifact, RunInfo

EXPERIMENT = "punie"


class MlflowRun:
    def __init__(self, info: RunInfo) -> None:
        self._client = MlflowClient()
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT
        found = self._client.get_experiment_by_name(name)
        experiment = found.experiment_id if found else self._client.create_experiment(name)
        run = self._client.create_run(experiment, run_name=info.name, tags={"punie.group": info.group})
        self.run_id = run.info.run_id
        params = [Param(k, "none" if v is None else str(v)) for k, v in info.params.items()]
        if params:
            self._client.log_batch(self.run_id, params=params)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        entities = [Metric(k, float(v), int(time.time() * 1000), step or 0) for k, v in metrics.items()]
        if entities:
            self._client.log_batch(self.run_id, metrics=entities)

    def log_summary(self, values: Mapping[str, str]) -> None:
        for key, value in values.items():
            self._client.set_tag(self.run_id, key, value)

    def log_artifact(self, artifact: Artifact) -> None:
        for file in artifact.files:
            self._client.log_artifact(self.run_id, str(file), artifact_path=artifact.name)

    def finish(self, ok: bool) -> str:
        self._client.set_terminated(self.run_id, "FINISHED" if ok else "FAILED")
        return f"mlflow run {self.run_id} in {mlflow.get_tracking_uri()}"


def start(info: RunInfo) -> MlflowRun:
    return MlflowRun(info)
