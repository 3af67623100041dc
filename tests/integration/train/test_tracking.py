"""`punie train --report-to mlflow,wandb,trackio`: a real training run logged to each tracker's
real local store, with no network, then read back through each tracker's own reader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from tests.helpers import experiment_id, punie_cmd

pytestmark = pytest.mark.integration


OUTCOME_WRITER = """
from punie.track.session import Tracking
from punie.track.tracker import TRACKERS, RunInfo
with Tracking(list(TRACKERS.values()), print).run(RunInfo("cell", "grid", {"rank": 8})) as run:
    run.log_metrics({"adapter/overall/score": 0.5}, 3)
    run.log_summary({"decision": "improves", "claim": "recipe over 3 seeds"})
"""

TRACKIO_READER = """
import json, sys, trackio
from trackio.sqlite_storage import SQLiteStorage
run = trackio.Api().runs("punie")[0]
print(json.dumps({"name": run.name, "config": run.config, "logs": SQLiteStorage.get_logs("punie", run.name)}))
"""


def local_stores(tmp_path: Path) -> dict[str, str]:
    """An environment whose three trackers write to local stores under `tmp_path`, offline."""
    env = {
        **os.environ,
        "TRACKIO_DIR": str(tmp_path / "trackio"),
        "WANDB_MODE": "offline",
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
    }
    env.pop("WANDB_API_KEY", None)
    return env


def mlflow_run(env: dict[str, str]) -> tuple[Any, Any]:
    """MLflow's own client, and the one run in the store it reads."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    (run,) = client.search_runs([experiment_id(client)])
    return client, run


def wandb_records(tmp_path: Path) -> list[dict[str, Any]]:
    """The records of the one offline W&B run, read by W&B's own reader of its log."""
    (offline,) = (tmp_path / "wandb").glob("offline-run-*")
    wandb_cli = str(Path(sys.executable).with_name("wandb"))
    records = subprocess.run(
        [wandb_cli, "leet", "inspect", "--json", str(offline)], capture_output=True, text=True, timeout=120
    ).stdout
    return [json.loads(line) for line in records.splitlines() if line.startswith("{")]


def trackio_run(env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    """The first Trackio run (name, config, logged rows), read by Trackio's own API in a process of
    its own (Trackio reads TRACKIO_DIR when it is imported)."""
    read = subprocess.run(
        [sys.executable, "-c", TRACKIO_READER],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert read.returncode == 0, read.stderr[-2000:]
    return dict(json.loads(read.stdout.strip().splitlines()[-1]))


def test_train_reports_its_settings_losses_and_adapter_to_three_trackers(tmp_path: Path) -> None:
    data = tmp_path / "tc"
    write_dataset(data, split_examples(generate_tool_calling(24, seed=5), 0.2, 0.0, 5))
    env = local_stores(tmp_path)
    argv = ["train", str(data), "--iters", "2", "--rank", "4", "--num-layers", "1", "--batch-size", "1"]
    argv += ["--max-seq-length", "512", "--steps-per-report", "1", "--output", str(tmp_path / "ad")]
    done = subprocess.run(
        punie_cmd(*argv, "--report-to", "mlflow,wandb", "--report-to", "trackio"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    told = " ".join(done.stderr.split())
    assert "tracked: mlflow run" in told and "tracked: wandb run" in told and "tracked: trackio run" in told

    client, run = mlflow_run(env)
    assert (
        run.info.run_name == "ad"
        and run.info.status == "FINISHED"
        and run.data.tags["punie.group"] == "train"
    )
    assert run.data.params["rank"] == "4" and run.data.params["iters"] == "2"
    losses = client.get_metric_history(run.info.run_id, "train/loss")
    assert [m.step for m in losses] == [1, 2] and all(m.value > 0 for m in losses)
    assert client.get_metric_history(run.info.run_id, "val/loss")  # validated at the last iteration
    stored = {a.path for a in client.list_artifacts(run.info.run_id, "adapter")}
    assert {"adapter/adapters.safetensors", "adapter/adapter_config.json", "adapter/run.json"} <= stored
    assert not [p for p in stored if p.split("/")[1][0].isdigit()]  # the adapter, not its checkpoints

    parsed = wandb_records(tmp_path)
    config = next(r["run"]["config"]["update"] for r in parsed if r["type"] == "run")
    assert config["rank"] == 4 and config["iters"] == 2
    history = [r["history"]["item"] for r in parsed if r["type"] == "history"]
    assert [h["_step"] for h in history if "train/loss" in h] == [1, 2]
    assert any(r["type"] == "artifact" and r["artifact"]["type"] == "model" for r in parsed)

    trackio = trackio_run(env, tmp_path)
    assert trackio["name"] == "ad" and trackio["config"]["rank"] == 4
    assert [row["step"] for row in trackio["logs"] if "train/loss" in row] == [1, 2]


def test_an_outcome_logged_after_the_scores_is_kept_by_every_store(tmp_path: Path) -> None:
    """The decision comes last, after the scores: each store must still keep it (Trackio writes a
    run's config only with its first rows, so an outcome added to the config later was lost)."""
    env = local_stores(tmp_path)
    run = [sys.executable, "-c", OUTCOME_WRITER]
    wrote = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert wrote.returncode == 0 and wrote.stdout.count("tracked: ") == 3, wrote.stderr[-2000:]

    _, stored = mlflow_run(env)
    assert stored.data.tags["decision"] == "improves" and stored.data.tags["claim"] == "recipe over 3 seeds"

    summaries = [r for r in wandb_records(tmp_path) if r["type"] == "summary"]
    assert any(r["summary"]["update"].get("decision") == "improves" for r in summaries)

    rows = trackio_run(env, tmp_path)["logs"]
    assert {"decision": "improves", "claim": "recipe over 3 seeds"}.items() <= next(
        r for r in rows if "decision" in r
    ).items()
