"""Simulated suites with a known recipe effect, to check that `recipe_stats.interval` is honest at
this project's sizes (24-60 prompts, 3-5 seeds), and that one run's McNemar test is not.

Each prompt has a difficulty (a logit, drawn once per suite); the base passes it with the
logistic of that difficulty. Each seed's adapter adds the recipe's effect, a shift of its own
(the seed-to-seed spread) and a per-prompt part of the effect (the recipe helps some prompts more
than others). The true effect is the mean change in pass rate over the population of prompts and
seeds, which the interval is meant to cover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from punie.eval.recipe_stats import interval
from punie.eval.stats import SIGNIFICANCE


@dataclass(frozen=True)
class Scenario:
    prompts: int
    seeds: int
    effect: float = 0.0  # the recipe's shift, in logits
    seed_spread: float = 1.0  # sd of each seed's own shift, in logits
    prompt_spread: float = 0.5  # sd of the effect's per-prompt part, in logits
    difficulty_spread: float = 2.0  # sd of the prompts' difficulty, in logits


@dataclass(frozen=True)
class Calibration:
    scenario: Scenario
    runs: int
    true_effect: float  # in pass rate
    coverage: float  # share of intervals that hold the true effect
    declared: float  # share of intervals that exclude 0 (false positives when there is no effect)
    mcnemar_declared: float  # share of single runs whose McNemar test says p < 0.05


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def true_effect(scenario: Scenario, draws: int = 1_000_000, seed: int = 99) -> float:
    """The population's mean change in pass rate (exactly 0 without an effect, by symmetry)."""
    if scenario.effect == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0, scenario.difficulty_spread, draws)
    shift = (
        scenario.effect
        + rng.normal(0, scenario.prompt_spread, draws)
        + rng.normal(0, scenario.seed_spread, draws)
    )
    return float(_logistic(difficulty + shift).mean() - _logistic(difficulty).mean())


def calibrate(scenario: Scenario, runs: int = 300, seed: int = 0) -> Calibration:
    """Simulate `runs` suites of `scenario` and score the recipe interval and the McNemar shortcut."""
    from scipy.stats import binomtest

    rng = np.random.default_rng(seed)
    truth = true_effect(scenario)
    covered = declared = mcnemar = 0
    for _ in range(runs):
        difficulty = rng.normal(0, scenario.difficulty_spread, scenario.prompts)
        per_prompt = rng.normal(0, scenario.prompt_spread, scenario.prompts)
        base = rng.random(scenario.prompts) < _logistic(difficulty)
        shifts = rng.normal(0, scenario.seed_spread, scenario.seeds)
        logits = difficulty[None, :] + scenario.effect + per_prompt[None, :] + shifts[:, None]
        adapters = rng.random((scenario.seeds, scenario.prompts)) < _logistic(logits)
        _, low, high = interval(adapters.astype(float) - base[None, :].astype(float))
        covered += low <= truth <= high
        declared += low > 0 or high < 0
        gained, lost = int((adapters[0] & ~base).sum()), int((~adapters[0] & base).sum())
        p_value = 1.0 if gained + lost == 0 else binomtest(gained, gained + lost, 0.5).pvalue
        mcnemar += p_value < SIGNIFICANCE
    return Calibration(scenario, runs, truth, covered / runs, declared / runs, mcnemar / runs)
