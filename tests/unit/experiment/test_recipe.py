"""`experiment run --seeds N`: replicates, one recipe decision over them, journaled once (fake
experiment runner, no model)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.experiment.grid import parse_axis, run_grid
from punie.experiment.plan import ExperimentConfig, training_settings
from punie.experiment.recipe import (
    RecipeResult,
    recipe_grid_rows,
    render_recipe_grid_html,
    replicate_seeds,
    run_recipe,
)
from punie.experiment.run import ExperimentResult, Hooks
from punie.journal.compare import Decision
from punie.journal.ledger import ledger_path, read_entries

BASE_PASSES = [True] * 12 + [False] * 12


def _report(adapter: str | None, passed: list[bool]) -> EvalReport:
    results = tuple(
        EvalResult(f"p{i}", "reasoning", p, float(p), None, "", "none", (), None, "", 0.0)
        for i, p in enumerate(passed)
    )
    return EvalReport("m", adapter, "s", "h", results, len(results), "", 0.0)


def _losing(lost: int) -> list[bool]:
    return [i >= lost and passed for i, passed in enumerate(BASE_PASSES)]


def _config(tmp_path: Path) -> ExperimentConfig:
    return ExperimentConfig(
        name="r", data_dir=tmp_path / "data", runs_dir=tmp_path / "runs", journal=tmp_path / "J.md",
        training=training_settings(30, batch_size=2),
    )  # fmt: skip


async def test_a_loss_on_every_seed_is_a_recipe_regression_journaled_once(tmp_path: Path) -> None:
    ran: list[tuple[str, int, Path]] = []
    losses = {0: 2, 1: 7, 2: 6, 3: 5, 4: 7}  # recipe B's reasoning in docs/demo-grid.md

    async def fake_run(config: ExperimentConfig, hooks: Hooks) -> ExperimentResult:
        ran.append((config.name, config.training.seed, config.runs_dir))
        seed = config.training.seed
        return ExperimentResult(
            _report(None, BASE_PASSES), _report("a", _losing(losses[seed])),
            Decision("unchanged", "no significant change"), config.compare_html, config.journal,
            Path("b"), config.adapter_eval_dir,
        )  # fmt: skip

    config = _config(tmp_path)
    result = await run_recipe(config, (0, 1, 2, 3, 4), Hooks(lambda _: None), fake_run)
    assert ran == [(f"r-seed{s}", s, tmp_path / "runs" / "r") for s in range(5)]
    (effect,) = result.effects
    assert effect.regressed and effect.per_seed == (-2, -7, -6, -5, -7)
    assert result.decision.outcome == "regressed" and result.decision.claim == "recipe over 5 seeds"
    assert "per seed -2, -7, -6, -5, -7" in result.decision.detail

    again = await run_recipe(config, (0, 1, 2, 3, 4), Hooks(lambda _: None), fake_run)
    assert again.skipped  # finished seeds are no-ops, and the recipe is not journaled twice
    (entry,) = [e for e in read_entries(ledger_path(config.journal)) if e.kind == "recipe"]
    assert entry.title == "Recipe: r (5 seeds)" and entry.decision.startswith(
        "regressed (recipe over 5 seeds)"
    )
    assert entry.row is not None and entry.row.scores["reasoning"] == pytest.approx((12 - 27 / 5) / 24)
    assert entry.row.adapter == "runs/r"  # an adapter row (beside the journal), after the base rows
    forced = await run_recipe(
        dataclasses.replace(config, force=True), (0, 1), Hooks(lambda _: None), fake_run
    )
    assert forced.decision.claim == "recipe over 2 seeds" and not forced.skipped


def test_seeds_are_counted_or_listed_once() -> None:
    assert replicate_seeds(3, None) == (0, 1, 2) and replicate_seeds(2, None, first=5) == (5, 6)
    assert replicate_seeds(1, "4, 7") == (4, 7)
    for bad in ("1,1", "a", "-1"):
        with pytest.raises(UsageError, match="--seed-list"):
            replicate_seeds(1, bad)
    with pytest.raises(UsageError, match="1 to 20 seeds"):
        replicate_seeds(0, None)


async def test_a_grid_of_recipes_tabulates_each_cell_s_interval_and_claim(tmp_path: Path) -> None:
    async def fake_run(config: ExperimentConfig, hooks: Hooks) -> ExperimentResult:
        lost = 6 if config.training.learning_rate > 1e-4 else config.training.seed % 2  # lr 2e-4 loses
        return ExperimentResult(
            _report(None, BASE_PASSES), _report("a", _losing(lost)), Decision("unchanged", "-"),
            config.compare_html, config.journal, Path("b"), config.adapter_eval_dir,
        )  # fmt: skip

    async def recipe(cell: ExperimentConfig, hooks: Hooks) -> RecipeResult:
        return await run_recipe(cell, (0, 1, 2), hooks, fake_run)

    config = _config(tmp_path)
    results = await run_grid(
        config, "g", [parse_axis("learning_rate=1e-4,2e-4")], Hooks(lambda _: None), recipe
    )
    headers, rows = recipe_grid_rows(results)
    assert headers == ["learning_rate", "Δ Reasoning", "decision"]
    assert rows[0][0] == "base model" and rows[0][1].startswith("base ") and "n = " in rows[0][1]  # issue 31
    assert rows[1][2] == "unchanged (recipe over 3 seeds)" and rows[1][1].endswith("; +0, -1, +0")
    assert (
        rows[2][2] == "regressed (recipe over 3 seeds)" and rows[2][1] == "-25.0 (-43.7 to -6.3); -6, -6, -6"
    )
    page = render_recipe_grid_html("g", results)
    assert "g-lr0.0002/g-lr0.0002-seed0/compare.html" in page and "interval excludes 0" in page
