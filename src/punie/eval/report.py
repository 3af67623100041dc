"""`EvalReport`: the scored results of one run plus everything that says what was run."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from punie.eval.kinds import KINDS
from punie.eval.score import EvalResult
from punie.eval.stats import Interval, wilson

REPORT_FILE = "report.json"
RESULTS_FILE = "results.jsonl"
HTML_FILE = "report.html"


def percent(value: float | None) -> str:
    """A 0..1 score as the reports show it: `62.5%` (`—` when there is none)."""
    return "—" if value is None else f"{100 * value:.1f}%"


def points(delta: float) -> str:
    """A change of score in percentage points, signed: `+12.5`."""
    return f"{100 * delta:+.1f}"


NEAR_ZERO_UPDATE = 0.01  # |B| x scale below this (1-2 iterations at the usual rates) changes no answer


@dataclass(frozen=True)
class AdapterProof:
    """How many responses differ from the baseline's for the same prompts."""

    baseline: str
    compared: int
    changed: int
    update: float | None = None  # the adapter's largest LoRA update entry (B times scale); None: unread

    @property
    def changed_share(self) -> float:
        return self.changed / self.compared if self.compared else 0.0

    @property
    def untrained(self) -> bool:
        """The adapter's update is still near zero (a run of an iteration or two): no answer is
        expected to change, applied or not."""
        return self.update is not None and self.update < NEAR_ZERO_UPDATE

    @property
    def suspicious(self) -> bool:
        return self.compared > 0 and self.changed == 0 and not self.untrained

    def text(self) -> str:
        """One line: how many responses changed, and what none changing means."""
        line = f"adapter proof: {self.changed}/{self.compared} responses differ from the baseline"
        if self.changed or not self.compared:
            return line
        if self.untrained:
            return (
                f"{line}: the adapter's update is near zero (largest entry {self.update:.1e}), so no "
                "answer was expected to change; train longer to measure it"
            )
        return f"{line} — none changed: the adapter was probably NOT applied"


@dataclass(frozen=True)
class EvalReport:
    model: str
    adapter: str | None
    suite_name: str
    suite_hash: str
    results: tuple[EvalResult, ...]
    prompt_count: int  # prompts in the suite; fewer results means an incomplete run
    started_at: str
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)  # sampling, concurrency, server flags
    versions: dict[str, str] = field(default_factory=dict)
    chat_template_hash: str | None = None
    error: str | None = None  # why the run stopped early, if it did
    adapter_proof: AdapterProof | None = None
    labels: dict[str, str] = field(default_factory=dict)  # column labels of a suite's own categories

    @property
    def complete(self) -> bool:
        """Every prompt answered and scored: no early stop, no timeout, no server error."""
        return self.error is None and len(self.results) == self.prompt_count and not self.incomplete()

    def scored(self) -> tuple[EvalResult, ...]:
        """The results that say something about the model (not timeouts or server errors)."""
        return tuple(r for r in self.results if not r.incomplete)

    def incomplete(self) -> dict[str, int]:
        """Prompts with no answer to score, by cause (timeout, server_error)."""
        return dict(Counter(str(r.failure) for r in self.results if r.incomplete).most_common())

    def incomplete_summary(self) -> str:
        """The incomplete prompts in words: `2 timeout, 1 server_error` ('' when none)."""
        return ", ".join(f"{n} {cause}" for cause, n in self.incomplete().items())

    def score_by_category(self) -> dict[str, float]:
        groups: dict[str, list[float]] = {}
        for result in self.scored():
            groups.setdefault(result.category, []).append(result.score)
        return {name: sum(scores) / len(scores) for name, scores in groups.items()}

    def scored_by_category(self) -> dict[str, int]:
        """n behind each category score."""
        return dict(Counter(r.category for r in self.scored()))

    def intervals(self) -> dict[str, Interval]:
        """Each category's passes out of its scored prompts, with a 95% Wilson interval."""
        groups: dict[str, list[bool]] = {}
        for result in self.scored():
            groups.setdefault(result.category, []).append(result.passed)
        return {name: wilson(sum(passed), len(passed)) for name, passed in groups.items()}

    def passes(self, category: str) -> dict[str, bool]:
        """Prompt id -> passed, over the scored prompts of `category` (for paired comparisons)."""
        return {r.id: r.passed for r in self.scored() if r.category == category}

    @property
    def overall_score(self) -> float:
        """The mean of the category scores: each category weighs the same, whatever its size."""
        scores = self.score_by_category()
        return sum(scores.values()) / len(scores) if scores else 0.0

    @property
    def success_rate(self) -> float:
        """Passed prompts over the scored results."""
        scored = self.scored()
        return sum(r.passed for r in scored) / len(scored) if scored else 0.0

    def failure_classes(self) -> dict[str, int]:
        """The model's failures by class (incomplete outcomes are counted apart)."""
        return dict(Counter(r.failure for r in self.scored() if r.failure).most_common())

    def call_sources(self) -> dict[str, int]:
        """Tool-calling prompts by where their calls came from: structured, text-recovered, none."""
        return dict(Counter(r.call_source for r in self.results if KINDS[r.kind].offers_tools))

    def keyword_score(self) -> float | None:
        hits = [r.keyword_hits for r in self.results if r.keyword_hits is not None]
        return sum(hits) / len(hits) if hits else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "adapter": self.adapter,
            "suite_name": self.suite_name,
            "suite_hash": self.suite_hash,
            "prompt_count": self.prompt_count,
            "complete": self.complete,
            "error": self.error,
            "overall_score": self.overall_score,
            "success_rate": self.success_rate,
            "score_by_category": self.score_by_category(),
            "scored_by_category": self.scored_by_category(),
            "ci95_by_category": {
                c: {"passed": i.passed, "n": i.n, "low": i.low, "high": i.high}
                for c, i in self.intervals().items()
            },
            "incomplete": self.incomplete(),
            "category_labels": self.labels,
            "failure_classes": self.failure_classes(),
            "call_sources": self.call_sources(),
            "keyword_score": self.keyword_score(),
            "adapter_proof": None if self.adapter_proof is None else asdict(self.adapter_proof),
            "started_at": self.started_at,
            "seconds": round(self.seconds, 2),
            "settings": self.settings,
            "versions": self.versions,
            "chat_template_hash": self.chat_template_hash,
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalReport:
        proof = data.get("adapter_proof")
        return cls(
            model=data["model"],
            adapter=data.get("adapter"),
            suite_name=data["suite_name"],
            suite_hash=data["suite_hash"],
            results=tuple(EvalResult.from_dict(r) for r in data["results"]),
            prompt_count=int(data["prompt_count"]),
            started_at=data.get("started_at", ""),
            seconds=float(data.get("seconds", 0.0)),
            settings=data.get("settings") or {},
            versions=data.get("versions") or {},
            chat_template_hash=data.get("chat_template_hash"),
            error=data.get("error"),
            adapter_proof=AdapterProof(**proof) if proof else None,
            labels=data.get("category_labels") or {},
        )


def load_report(path: Path) -> EvalReport:
    """A `report.json`, or the run directory that holds one."""
    if path.is_dir():
        path = path / REPORT_FILE
    return EvalReport.from_dict(json.loads(path.read_text(encoding="utf-8")))
