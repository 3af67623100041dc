"""Infrastructure failures are not model failures; compare refuses what cannot be compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.cli.compare_cmd import write_comparison
from punie.errors import UsageError
from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.eval.timeouts import scaled_timeout
from punie.journal.compare import compare_runs, not_comparable
from punie.runtime.atomic import write_json_atomic

SAMPLING = {"temperature": 0.0, "top_p": 1.0, "max_tokens": 256, "seed": 0, "max_turns": 3}


def result(rid: str, category: str, passed: bool, failure: str | None = None) -> EvalResult:
    return EvalResult(rid, category, passed, float(passed), failure, "", "none", (), None, "", 0.0)


def report(*results: EvalResult, suite: str = "h", **settings: object) -> EvalReport:
    return EvalReport("m", None, "s", suite, results, len(results), "", 0.0, {**SAMPLING, **settings})


def test_timeouts_stay_out_of_scores_and_decisions() -> None:
    base = report(result("a", "reasoning", True), result("b", "reasoning", True))
    timed_out = report(result("a", "reasoning", True), result("b", "reasoning", False, "timeout"))
    assert timed_out.score_by_category() == {"reasoning": 1.0} and timed_out.scored_by_category() == {
        "reasoning": 1
    }
    assert not timed_out.complete and timed_out.incomplete() == {"timeout": 1}
    assert timed_out.failure_classes() == {}
    decision, detail, _ = compare_runs(base, timed_out)
    assert decision == "incomplete" and "1 timeout" in detail
    wrong = report(result("a", "reasoning", True), result("b", "reasoning", False, "wrong_answer"))
    decision, detail, _ = compare_runs(base, wrong)  # a real failure still counts, though one is noise
    assert decision == "unchanged" and "reasoning -50.0 pts, p = 1" in detail


def test_runs_that_cannot_be_compared_are_named() -> None:
    base = report(result("a", "reasoning", True))
    assert not_comparable(base, report(result("a", "reasoning", False))) == []
    assert "different suites" in not_comparable(base, report(result("a", "reasoning", True), suite="x"))[0]
    assert (
        "max_tokens 256 vs 64"
        in not_comparable(base, report(result("a", "reasoning", True), max_tokens=64))[0]
    )


def test_compare_refuses_unless_forced(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    write_json_atomic(one / "report.json", report(result("a", "reasoning", True)).to_dict())
    write_json_atomic(two / "report.json", report(result("a", "reasoning", True), suite="x").to_dict())
    with pytest.raises(UsageError, match="not comparable: .*different suites"):
        write_comparison([one, two], tmp_path / "c.html")
    assert not (tmp_path / "c.html").exists()
    write_comparison([one, two], tmp_path / "c.html", force=True)
    assert "FORCED: these runs are not comparable" in (tmp_path / "c.html").read_text()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "report.json").write_text("{}")
    with pytest.raises(UsageError, match="not a readable eval report"):
        write_comparison([one, bad], tmp_path / "d.html")


def test_the_timeout_scales_with_speed_and_load() -> None:
    fast = scaled_timeout(256, 3, 4, 200.0)
    slow = scaled_timeout(256, 3, 4, 5.0)
    assert 60 <= fast < slow <= 3600
    assert scaled_timeout(256, 3, 1, 50.0) < scaled_timeout(256, 3, 4, 50.0)
