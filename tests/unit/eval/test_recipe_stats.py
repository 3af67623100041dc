"""Issue 27: a recipe's interval counts seeds and prompts, holds its nominal rate, and decides."""

from __future__ import annotations

import numpy as np
import pytest

from punie.eval.recipe_simulation import Scenario, calibrate
from punie.eval.recipe_stats import interval, recipe_effect


@pytest.mark.parametrize(("prompts", "seeds"), [(24, 3), (60, 5)])
def test_the_interval_covers_the_true_effect_and_rarely_claims_one_that_is_not_there(
    prompts: int, seeds: int
) -> None:
    null = calibrate(Scenario(prompts, seeds), runs=300)
    real = calibrate(Scenario(prompts, seeds, effect=0.8), runs=300, seed=1)
    assert 0.90 <= null.coverage <= 0.99 and 0.90 <= real.coverage <= 0.99
    assert null.declared <= 0.09  # near the nominal 5%
    # one run's McNemar test, read as a claim about the recipe, does not hold that rate
    assert null.mcnemar_declared > 0.07 and null.mcnemar_declared >= 2 * null.declared


def _runs(changes: list[int], prompts: int = 24, passed: int = 12, seed: int = 0) -> tuple[dict, list[dict]]:
    """A base passing `passed` of `prompts`, and one adapter per change: a loss of k drops k of the
    base's passes, a gain of k adds k of its failures (different prompts each seed)."""
    rng = np.random.default_rng(seed)
    base = {f"p{i}": i < passed for i in range(prompts)}
    adapters = []
    for change in changes:
        run = dict(base)
        pool = [k for k, v in base.items() if v == (change < 0)]
        for key in rng.choice(pool, abs(change), replace=False):
            run[str(key)] = change > 0
        adapters.append(run)
    return base, adapters


def test_a_loss_on_every_seed_is_a_regression_not_noise() -> None:
    """The demo grid's recipe B lost -2, -7, -6, -5, -7 reasoning prompts of 24 on seeds 0-4, while
    each run's own McNemar test said "no significant change" (docs/demo-grid.md)."""
    effect = recipe_effect("reasoning", *_runs([-2, -7, -6, -5, -7]))
    assert effect.regressed and not effect.improved and effect.per_seed == (-2, -7, -6, -5, -7)
    assert effect.mean == pytest.approx(-27 / 120)
    assert "per seed -2, -7, -6, -5, -7, lower on every seed; 5 seeds x 24 prompts" in effect.text()


def test_a_consistent_loss_the_interval_cannot_call_is_still_said() -> None:
    """The demo's reasoning over seeds 0-2 at 12 held-out prompts: -3, -2, -3 with an interval
    that reaches past 0: no regression is claimed, but the text says every seed lost."""
    effect = recipe_effect("reasoning", *_runs([-3, -2, -3], passed=6, prompts=12))
    assert effect.every_seed == "lower on every seed"
    assert "lower on every seed" in effect.text()
    assert recipe_effect("tool", *_runs([0, -1, 3])).every_seed == ""


def test_one_lucky_seed_does_not_make_a_recipe() -> None:
    """Recipe B's tool calling: +10, +1, +2, +6, +2. Seed 0 alone reads as p = 0.002."""
    effect = recipe_effect("tool_calling", *_runs([10, 1, 2, 6, 2], passed=4))
    assert effect.mean == pytest.approx(21 / 120)
    lucky = recipe_effect("tool_calling", *_runs([10, 9, 11], passed=4))
    assert lucky.improved and lucky.low > effect.low


def test_no_change_anywhere_is_a_zero_width_interval_and_bad_shapes_are_refused() -> None:
    assert interval(np.zeros((3, 24))) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        interval(np.zeros((1, 24)))
    one_prompt = recipe_effect("code", {"c": True}, [{"c": False}, {"c": False}])  # --per-category 1
    assert (one_prompt.low, one_prompt.high) == (-1.0, 1.0) and not one_prompt.regressed
