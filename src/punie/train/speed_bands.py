"""The seed's decision criteria for "can this machine train this model fast enough to iterate?".

The seed gives bands: about 1-5 s/iter proceed, 10-30 s/iter usable, over 60 s/iter pivot to a
smaller model. The gaps are closed like this (each band's upper bound is a setting):

- up to `proceed_max` (5 s): **proceed** — anything faster than the seed's best band proceeds too;
- up to `usable_max` (30 s): **usable** — the 5-10 s gap counts as usable, because a 100-iteration
  run there already takes 8-17 min, outside the "fast iteration" the seed meant by proceed;
- up to `pivot_above` (60 s): **marginal** — the 30-60 s gap, where the seed says nothing: short
  runs still work (100 iterations in under 2 h) but a smaller model deserves a look;
- above that: **pivot**.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BandName = Literal["proceed", "usable", "marginal", "pivot"]


@dataclass(frozen=True)
class Thresholds:
    proceed_max: float = 5.0
    usable_max: float = 30.0
    pivot_above: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.proceed_max <= self.usable_max <= self.pivot_above:
            raise ValueError("thresholds must satisfy 0 < proceed_max <= usable_max <= pivot_above")


@dataclass(frozen=True)
class SpeedBand:
    decision: BandName
    seconds_per_iter: float
    projected_100_min: float
    projected_1000_min: float
    reason: str


def classify(seconds_per_iter: float, thresholds: Thresholds = Thresholds()) -> BandName:
    if seconds_per_iter <= thresholds.proceed_max:
        return "proceed"
    if seconds_per_iter <= thresholds.usable_max:
        return "usable"
    if seconds_per_iter <= thresholds.pivot_above:
        return "marginal"
    return "pivot"


REASONS: dict[BandName, str] = {
    "proceed": "fast iteration: proceed with this model",
    "usable": "slower, but usable for real training runs",
    "marginal": "short runs only; consider a smaller model",
    "pivot": "too slow to iterate: pivot to a smaller model",
}


def speed_band(
    seconds_per_iter: float, load_seconds: float = 0.0, thresholds: Thresholds = Thresholds()
) -> SpeedBand:
    """Pure: the decision and projected wall time of 100- and 1000-iteration runs."""
    decision = classify(seconds_per_iter, thresholds)
    return SpeedBand(
        decision=decision,
        seconds_per_iter=seconds_per_iter,
        projected_100_min=(load_seconds + 100 * seconds_per_iter) / 60,
        projected_1000_min=(load_seconds + 1000 * seconds_per_iter) / 60,
        reason=REASONS[decision],
    )
