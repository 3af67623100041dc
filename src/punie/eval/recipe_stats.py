"""A recipe's effect on one category: how much adapters trained with it, over several seeds, pass
more (or fewer) of a suite's prompts than the base, with an interval that counts both sources of
noise: which prompts the suite happens to hold, and which seed happened to train each adapter.

The data is a seeds x prompts table of changes, adapter minus base (-1, 0 or +1 a cell). Its mean
is the estimate. Its variance comes from the crossed random-effects model

    change[s, p] = effect + seed[s] + prompt[p] + residual[s, p]

whose variance components, for this balanced table, have the closed-form ANOVA (method of moments)
estimates that REML also gives when they are positive (negative ones are set to 0):

    Var(mean) = var_seed / S + var_prompt / P + var_residual / (S P)

and a t interval on Satterthwaite's degrees of freedom. With 3 seeds the seed term has 2 degrees
of freedom, so a recipe needs a consistent change across seeds to clear 0, as it should.

Why by hand: the model is the linear mixed model with crossed random effects (statsmodels' MixedLM
fits it by iterative REML and its mixed GLMs by variational Bayes; neither is a dependency here,
and both take seconds a fit where a calibration needs hundreds). For a balanced table the
estimates are these sums of squares; scipy.stats gives the t quantile. tests/unit/eval/
test_recipe_stats.py simulates suites with known effects and checks the interval's coverage and
false-positive rate, and that one run's McNemar test does not hold that rate for a recipe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from punie.eval.stats import CONFIDENCE


@dataclass(frozen=True)
class RecipeEffect:
    """The change a recipe makes in one category, over `seeds` adapters and `prompts` prompts:
    `mean` is the mean change in pass rate (adapter minus base, -1 to 1), `low`/`high` its
    interval, `per_seed` each adapter's change in passed prompts."""

    category: str
    seeds: int
    prompts: int
    mean: float
    low: float
    high: float
    per_seed: tuple[int, ...]
    confidence: float = CONFIDENCE

    @property
    def improved(self) -> bool:
        return self.low > 0

    @property
    def regressed(self) -> bool:
        return self.high < 0

    @property
    def seed_changes(self) -> str:
        """`+10, +1, +2`: each seed's change in passed prompts."""
        return ", ".join(f"{change:+d}" for change in self.per_seed)

    @property
    def every_seed(self) -> str:
        """`lower on every seed` (or higher) when each of several seeds moved the same way: said
        beside the interval, which alone decides, so that a consistent loss the interval cannot
        yet call is never read as no change."""
        if len(self.per_seed) > 1 and all(change < 0 for change in self.per_seed):
            return "lower on every seed"
        if len(self.per_seed) > 1 and all(change > 0 for change in self.per_seed):
            return "higher on every seed"
        return ""

    def points(self) -> str:
        """`+12.5 (+3.1 to +21.9)`: the mean change and its interval, in points."""
        return f"{100 * self.mean:+.1f} ({100 * self.low:+.1f} to {100 * self.high:+.1f})"

    def text(self) -> str:
        """`+12.5 pts (95% CI +3.1 to +21.9; per seed +10, +1, +2; 3 seeds x 24 prompts)`."""
        per_seed = self.seed_changes + (f", {self.every_seed}" if self.every_seed else "")
        level = round(100 * self.confidence)
        return (
            f"{100 * self.mean:+.1f} pts ({level}% CI {100 * self.low:+.1f} to {100 * self.high:+.1f}; "
            f"per seed {per_seed}; {self.seeds} seeds x {self.prompts} prompts)"
        )


def changes(base: Mapping[str, bool], adapters: Sequence[Mapping[str, bool]]) -> tuple[list[str], np.ndarray]:
    """Pure: the prompts every run scored, and the seeds x prompts table of adapter minus base."""
    shared = [key for key in base if all(key in adapter for adapter in adapters)]
    table = np.array(
        [[int(adapter[key]) - int(base[key]) for key in shared] for adapter in adapters], dtype=float
    )
    return shared, table.reshape(len(adapters), len(shared))


def interval(table: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Pure: the mean of a seeds x prompts table and its interval (see the module's docstring)."""
    seeds, prompts = table.shape
    mean = float(table.mean())
    if seeds < 2 or prompts < 2:
        raise ValueError("a recipe interval needs at least 2 seeds and 2 prompts")
    seed_means, prompt_means = table.mean(axis=1), table.mean(axis=0)
    ms_seed = prompts * float(((seed_means - mean) ** 2).sum()) / (seeds - 1)
    ms_prompt = seeds * float(((prompt_means - mean) ** 2).sum()) / (prompts - 1)
    residual = table - seed_means[:, None] - prompt_means[None, :] + mean
    df_residual = (seeds - 1) * (prompts - 1)
    ms_residual = float((residual**2).sum()) / df_residual
    # Var(mean) as a combination of mean squares: each component's share, 0 when its estimate is
    # negative (then its mean square drops out and the residual's counts once less)
    terms: list[tuple[float, float, int]] = []  # (coefficient, mean square, degrees of freedom)
    residual_weight = 1.0
    if ms_seed > ms_residual:
        terms.append((1.0, ms_seed, seeds - 1))
        residual_weight -= 1.0
    if ms_prompt > ms_residual:
        terms.append((1.0, ms_prompt, prompts - 1))
        residual_weight -= 1.0
    if residual_weight:
        terms.append((residual_weight, ms_residual, df_residual))
    variance = sum(c * ms for c, ms, _ in terms) / (seeds * prompts)
    if variance <= 0:
        return mean, mean, mean  # every cell the same change: nothing varies
    denominator = sum((c * ms) ** 2 / df for c, ms, df in terms if ms > 0)
    df = (sum(c * ms for c, ms, _ in terms) ** 2) / denominator
    from scipy.stats import t  # imported on use, as in punie.eval.stats

    half = float(t.ppf(0.5 + confidence / 2, df)) * variance**0.5
    return mean, max(-1.0, mean - half), min(1.0, mean + half)


def recipe_effect(
    category: str, base: Mapping[str, bool], adapters: Sequence[Mapping[str, bool]]
) -> RecipeEffect:
    """Pure: the recipe's effect on `category` from the base's passes and each seed's adapter's
    (by prompt id, over the prompts all of them scored)."""
    shared, table = changes(base, adapters)
    per_seed = tuple(int(row.sum()) for row in table)
    if len(shared) < 2:  # one prompt (or none) says nothing of a recipe: the widest interval
        mean, low, high = float(table.mean()) if table.size else 0.0, -1.0, 1.0
    else:
        mean, low, high = interval(table)
    return RecipeEffect(category, len(adapters), len(shared), mean, low, high, per_seed)
