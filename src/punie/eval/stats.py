"""Error bars and paired tests for pass/fail scores (Miller, "Adding Error Bars to Evals", 2024).

A category score is k passes out of n prompts: its 95% interval is Wilson's, which stays inside
[0, 1] and is honest at the small n and extreme rates evals have. Two runs on the same prompts are
compared by their paired differences: only the discordant prompts (passed in one run, failed in
the other) carry information, and under "no change" each is equally likely to go either way, so
the exact two-sided binomial (sign) test on them is McNemar's exact test.

Both come from scipy.stats (`binomtest` and its `proportion_ci(method="wilson")`): maintained,
tested, and exact where a hand-written normal approximation would not be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CONFIDENCE = 0.95
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Interval:
    """k of n passed, with the Wilson interval around k / n."""

    passed: int
    n: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0

    def text(self) -> str:
        """`50.0% (95% CI 18.8–81.2%, n = 6)`."""
        return f"{100 * self.rate:.1f}% (95% CI {100 * self.low:.1f}–{100 * self.high:.1f}%, n = {self.n})"


def wilson(passed: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    if n == 0:
        return Interval(0, 0, 0.0, 1.0)
    from scipy.stats import binomtest  # imported on use: it costs ~0.5 s, and most commands never ask

    ci = binomtest(passed, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Interval(passed, n, float(ci.low), float(ci.high))


@dataclass(frozen=True)
class PairedTest:
    """The same prompts in two runs: how many went fail -> pass (`gained`) and pass -> fail
    (`lost`), and the exact two-sided p-value that the change is noise."""

    n: int
    gained: int
    lost: int
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANCE

    def text(self) -> str:
        return f"n = {self.n}, {self.gained} gained / {self.lost} lost, p = {self.p_value:.3g}"


def paired_test(before: Mapping[str, bool], after: Mapping[str, bool]) -> PairedTest:
    """Pure: McNemar's exact test over the prompts both runs scored (matched by id)."""
    shared = [key for key in before if key in after]
    gained = sum(1 for key in shared if after[key] and not before[key])
    lost = sum(1 for key in shared if before[key] and not after[key])
    discordant = gained + lost
    from scipy.stats import binomtest

    p_value = 1.0 if discordant == 0 else float(binomtest(gained, discordant, 0.5).pvalue)
    return PairedTest(len(shared), gained, lost, p_value)
