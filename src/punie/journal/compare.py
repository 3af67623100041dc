"""Pure comparison of eval reports against a baseline: per-category deltas, regressions, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from punie.eval.baseline import SAMPLING_KEYS
from punie.eval.report import EvalReport, load_report, points
from punie.eval.stats import PairedTest, paired_test
from punie.train.events import parse_event, summarize
from punie.train.lora_config import METRICS_FILE

Outcome = Literal["improved", "regressed", "mixed", "unchanged", "incomplete"]


ADAPTER_CLAIM = "adapter"  # one run: McNemar's test speaks of that adapter, not of its recipe


class Decision(NamedTuple):
    """What a comparison decides, the line that says where and how sure, and the claim it makes:
    of one `adapter` (one run against the base), or of a `recipe over K seeds`. A typed value from
    the comparison to the journal, rendered as text only at the edge (`text`)."""

    outcome: Outcome
    detail: str
    claim: str = ADAPTER_CLAIM

    def text(self) -> str:
        return f"{self.outcome} ({self.claim}) — {self.detail}"


@dataclass(frozen=True)
class LossCurve:
    train: tuple[tuple[int, float], ...]
    val: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Column:
    label: str
    report: EvalReport
    source: Path
    curve: LossCurve | None = None


@dataclass(frozen=True)
class CategoryDelta:
    """One category in two runs: the scores, and the paired test over the prompts both scored."""

    category: str
    baseline: float
    value: float
    test: PairedTest

    @property
    def delta(self) -> float:
        return self.value - self.baseline

    @property
    def regressed(self) -> bool:
        """Lower, and more than noise (paired exact test, p < 0.05)."""
        return self.delta < -1e-9 and self.test.significant

    @property
    def improved(self) -> bool:
        return self.delta > 1e-9 and self.test.significant

    def text(self) -> str:
        return f"{self.category} {points(self.delta)} pts ({self.test.text()})"


def category_deltas(baseline: EvalReport, other: EvalReport) -> list[CategoryDelta]:
    base, mine = baseline.score_by_category(), other.score_by_category()
    return [
        CategoryDelta(c, base[c], mine[c], paired_test(baseline.passes(c), other.passes(c)))
        for c in base
        if c in mine
    ]


def outcome_of(up: bool, down: bool) -> Outcome:
    """Pure: what some categories up and some down make: never averaged, both at once is `mixed`."""
    return "mixed" if up and down else "improved" if up else "regressed" if down else "unchanged"


def decide(deltas: list[CategoryDelta]) -> Decision:
    """Pure: improved / regressed / mixed / unchanged, and the line that says where and how sure.
    A category counts as up or down only when its paired test says p < 0.05; never averaged: one
    category up and another down is `mixed`, with both named."""
    ups = [d for d in deltas if d.improved]
    downs = [d for d in deltas if d.regressed]
    outcome = outcome_of(bool(ups), bool(downs))
    parts = [d.text() for d in ups + downs]
    noise = [d for d in deltas if d not in ups and d not in downs and abs(d.delta) > 1e-9]
    if noise:
        sizes = sorted({d.test.n for d in noise})
        shown = "/".join(str(n) for n in sizes)
        parts.append(
            "no significant change (n = "
            + shown
            + ") in "
            + ", ".join(f"{d.category} {points(d.delta)} pts, p = {d.test.p_value:.3g}" for d in noise)
        )
    return Decision(outcome, "; ".join(parts) if parts else "no category changed")


def not_comparable(baseline: EvalReport, other: EvalReport) -> list[str]:
    """Pure: why two runs' scores cannot be set side by side (empty when they can)."""
    reasons = []
    if baseline.suite_hash != other.suite_hash:
        reasons.append(
            f"different suites ({baseline.suite_name} {baseline.suite_hash} "
            f"vs {other.suite_name} {other.suite_hash})"
        )
    differ = [
        f"{key} {baseline.settings.get(key)} vs {other.settings.get(key)}"
        for key in SAMPLING_KEYS
        if baseline.settings.get(key) != other.settings.get(key)
    ]
    if differ:
        reasons.append("different eval settings (" + ", ".join(differ) + ")")
    for name, report in (("the baseline", baseline), ("the other run", other)):
        if not report.complete:
            reasons.append(
                f"{name} is incomplete ({len(report.scored())}/{report.prompt_count} prompts scored)"
            )
    return reasons


def compare_runs(baseline: EvalReport, other: EvalReport) -> Decision:
    """`decide` on two runs, unless either is incomplete: then no decision, and why."""
    for name, report in (("the baseline", baseline), ("this run", other)):
        if not report.complete:
            causes = report.incomplete_summary() or f"{report.prompt_count - len(report.results)} not run"
            return Decision(
                "incomplete", f"{name} is incomplete ({causes}): no decision; rerun with --resume"
            )
    return decide(category_deltas(baseline, other))


def prompt_changes(baseline: EvalReport, other: EvalReport) -> list[tuple[str, bool, bool, str]]:
    """Prompts whose pass/fail differs: (id, passed in baseline, passed now, reason now)."""
    before = {r.id: r for r in baseline.results}
    return [
        (r.id, before[r.id].passed, r.passed, r.reason)
        for r in other.results
        if r.id in before and before[r.id].passed != r.passed
    ]


def loss_curve(metrics: Path) -> LossCurve | None:
    if not metrics.is_file():
        return None
    events = [e for e in map(parse_event, metrics.read_text(encoding="utf-8").splitlines()) if e]
    summary = summarize(events)
    return LossCurve(
        tuple((t.iteration, t.train_loss) for t in summary.train),
        tuple((v.iteration, v.val_loss) for v in summary.val),
    )


def load_column(path: Path, label: str | None = None) -> Column:
    """A report.json or a run directory holding one; the adapter's metrics give the loss curve."""
    return column_of(load_report(path), path, label)


def column_of(report: EvalReport, path: Path, label: str | None = None) -> Column:
    """`report` (read from, or written to, `path`) as a comparison column."""
    curve = None
    if report.adapter:
        curve = loss_curve(Path(report.adapter) / METRICS_FILE)
    run = path if path.is_dir() else path.parent
    name = label or (
        Path(report.adapter).name if report.adapter else f"{run.name} (base: {Path(report.model).name})"
    )
    return Column(name, report, path, curve)
