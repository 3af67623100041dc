"""The experiment hooks with trackers: each experiment is one tracker run holding its training
curve and its result; one an earlier invocation finished is not logged again."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.cli.tracking import tracked_hooks
from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.experiment.plan import ExperimentConfig
from punie.experiment.run import ExperimentResult
from punie.journal.compare import Decision
from punie.track.session import Tracking
from punie.track.tracker import TrackerSpec
from tests.unit.track import fake_trackers

RECORDER = TrackerSpec("rec", "tests.unit.track.fake_trackers", "json", "rec")


def report(adapter: str | None, *passed: bool) -> EvalReport:
    results = tuple(
        EvalResult(
            f"p{i}",
            "tool_calling",
            ok,
            float(ok),
            None if ok else "wrong_tool",
            "",
            "none",
            (),
            None,
            "",
            0.0,
        )
        for i, ok in enumerate(passed)
    )
    return EvalReport("m", adapter, "builtin", "h", results, len(results), "", 0.0, {})


def result(tmp_path: Path, skipped: bool) -> ExperimentResult:
    (tmp_path / "adapter").mkdir(exist_ok=True)
    (tmp_path / "adapter" / "adapters.safetensors").write_bytes(b"w")
    base, adapter = report(None, False, False, True), report(str(tmp_path / "adapter"), True, True, True)
    decision = Decision("improved", "tool calling +66.7 pts", "adapter")
    return ExperimentResult(
        base, adapter, decision, tmp_path / "c.html", tmp_path / "J.md", tmp_path, tmp_path, skipped
    )


@pytest.fixture(autouse=True)
def empty_log() -> None:
    fake_trackers.LOG.clear()


def test_an_experiment_logs_its_curve_scores_decision_and_adapter(tmp_path: Path) -> None:
    config = ExperimentConfig(name="cell-rank8", data_dir=tmp_path)
    with tracked_hooks(config, Tracking([RECORDER], print), "grid") as hooks:
        assert hooks.on_train_event is not None and hooks.finished is not None
        hooks.on_train_event(
            {
                "event": "train",
                "iteration": 1,
                "train_loss": 2.0,
                "tokens_per_second": 5.0,
                "iterations_per_second": 1.0,
            }
        )
        hooks.finished(result(tmp_path, skipped=False))
    kinds = [kind for kind, _ in fake_trackers.LOG]
    assert kinds == ["start", "metrics", "metrics", "summary", "artifact", "finish"]
    scores = fake_trackers.LOG[2][1][0]
    assert scores["base/tool_calling/score"] == pytest.approx(1 / 3) and scores["adapter/tool_calling/n"] == 3
    assert (
        scores["change/tool_calling"] == pytest.approx(2 / 3)
        and 0 < scores["change/tool_calling/mcnemar_p"] <= 1
    )
    assert fake_trackers.LOG[3][1] == {
        "decision": "improved",
        "claim": "adapter",
        "decision_detail": "tool calling +66.7 pts",
    }
    assert fake_trackers.LOG[4][1] == ("adapter", ["adapters.safetensors"])


def test_an_experiment_an_earlier_invocation_finished_is_not_logged_again(tmp_path: Path) -> None:
    config = ExperimentConfig(name="cell-rank8", data_dir=tmp_path)
    with tracked_hooks(config, Tracking([RECORDER], print), "grid") as hooks:
        assert hooks.finished is not None
        hooks.finished(result(tmp_path, skipped=True))
    assert fake_trackers.LOG == []
