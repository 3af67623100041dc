"""Several trackers at once: each gets every call, a run starts only when something is logged,
and a failing tracker is warned about once and left out while the others go on."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.track.session import Tracking
from punie.track.tracker import Artifact, RunInfo, TrackerSpec
from tests.unit.track import fake_trackers


def spec(name: str, module: str) -> TrackerSpec:
    return TrackerSpec(name, f"tests.unit.track.{module}", "json", name)


@pytest.fixture(autouse=True)
def empty_log() -> None:
    fake_trackers.LOG.clear()


def test_each_call_reaches_the_tracker_and_a_run_finishes_with_its_outcome(tmp_path: Path) -> None:
    said: list[str] = []
    tracking = Tracking([spec("rec", "fake_trackers")], said.append)
    (tmp_path / "adapters.safetensors").write_bytes(b"x")
    with tracking.run(RunInfo("cell", "grid", {"rank": 8})) as run:
        run.on_train_event({"event": "loaded", "seconds": 1.0})  # no metric: starts nothing
        assert fake_trackers.LOG == []
        run.on_train_event(
            {
                "event": "train",
                "iteration": 2,
                "train_loss": 1.5,
                "tokens_per_second": 9.0,
                "learning_rate": 1e-4,
            }
        )
        run.log_summary({"decision": "improves"})
        run.log_artifacts(
            [
                Artifact("adapter", "model", (tmp_path / "adapters.safetensors",)),
                Artifact("comparison", "report", ()),  # none of its files existed: nothing to store
            ]
        )
    assert fake_trackers.LOG == [
        ("start", "cell"),
        ("metrics", ({"train/loss": 1.5, "train/learning_rate": 1e-4, "train/tokens_per_second": 9.0}, 2)),
        ("summary", {"decision": "improves"}),
        ("artifact", ("adapter", ["adapters.safetensors"])),
        ("finish", True),
    ]
    assert said == ["tracked: recorder cell"]


def test_a_run_that_logs_nothing_is_never_created() -> None:
    with Tracking([spec("rec", "fake_trackers")], print).run(RunInfo("skipped-cell", "grid")):
        pass
    assert fake_trackers.LOG == []


def test_an_interrupted_block_finishes_the_run_as_failed_and_keeps_what_was_logged() -> None:
    tracking = Tracking([spec("rec", "fake_trackers")], print)
    with pytest.raises(KeyboardInterrupt), tracking.run(RunInfo("cell", "grid")) as run:
        run.log_metrics({"train/loss": 2.0}, 1)
        raise KeyboardInterrupt
    assert fake_trackers.LOG[-2:] == [("metrics", ({"train/loss": 2.0}, 1)), ("finish", False)]


def test_a_tracker_that_fails_is_named_once_and_the_others_go_on() -> None:
    warnings: list[str] = []
    specs = [spec("down", "fake_broken_start"), spec("full", "fake_broken_log"), spec("rec", "fake_trackers")]
    with Tracking(specs, warnings.append, lambda _: None).run(RunInfo("cell", "grid")) as run:
        run.log_metrics({"train/loss": 2.0}, 1)
        run.log_metrics({"train/loss": 1.0}, 2)
    assert [w.split(" (")[0] for w in warnings] == [
        "down: could not start run cell",
        "full: logging metrics failed",
    ]
    assert "cannot reach the tracking server" in warnings[0] and "disk full" in warnings[1]
    recorded = [entry for entry in fake_trackers.LOG if entry[0] == "metrics"]
    assert recorded == [("metrics", ({"train/loss": 2.0}, 1)), ("metrics", ({"train/loss": 1.0}, 2))]
    assert fake_trackers.LOG[-1] == ("finish", True)  # the failed one is not finished again
