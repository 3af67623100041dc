"""`experiment run --seeds N`: a recipe (data + settings) trained once per seed, each replicate an
ordinary experiment under `runs/<name>/<name>-seed<S>` (resumable, a no-op once finished, its own
journal row about its adapter), then one decision about the recipe over all of them, journaled
once. The base is evaluated once: every replicate finds it in the baseline cache."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.errors import PunieError, UsageError
from punie.eval.categories import label
from punie.eval.recipe_stats import RecipeEffect
from punie.eval.report import EvalReport
from punie.experiment.grid import Runner, grid_html
from punie.experiment.plan import ExperimentConfig
from punie.experiment.run import ExperimentResult, Hooks, run_experiment
from punie.journal.compare import Decision
from punie.journal.recipe import decide_recipe, recipe_effects, recipe_entry
from punie.journal.render import record_once

RECIPE_STATE = "recipe.json"
MAX_SEEDS = 20


@dataclass(frozen=True)
class RecipeResult:
    name: str
    seeds: tuple[int, ...]
    runs: tuple[ExperimentResult, ...]  # one a seed, in `seeds` order
    effects: tuple[RecipeEffect, ...]
    decision: Decision
    journal: Path
    skipped: bool = False  # recorded by an earlier invocation

    @property
    def base(self) -> EvalReport:
        return self.runs[0].base


def replicate_seeds(seeds: int, explicit: str | None, first: int = 0) -> tuple[int, ...]:
    """Pure: the seeds of `--seeds N` (first, first + 1, ...) or of `--seed-list 3,4,5`."""
    if explicit:
        try:
            chosen = tuple(int(part) for part in explicit.split(",") if part.strip())
        except ValueError:
            raise UsageError(f"--seed-list {explicit!r}: expected whole numbers like 0,1,2") from None
        if len(set(chosen)) != len(chosen) or any(seed < 0 for seed in chosen):
            raise UsageError(f"--seed-list {explicit!r}: each seed once, 0 or more")
    else:
        chosen = tuple(range(first, first + seeds))
    if not 1 <= len(chosen) <= MAX_SEEDS:
        raise UsageError(f"a recipe takes 1 to {MAX_SEEDS} seeds, got {len(chosen)}")
    return chosen


def replicate(config: ExperimentConfig, seed: int) -> ExperimentConfig:
    """Pure: the experiment of one seed: the recipe's settings, trained with `seed`."""
    return dataclasses.replace(
        config,
        name=f"{config.name}-seed{seed}",
        runs_dir=config.root,
        training=dataclasses.replace(config.training, seed=seed),
    )


async def run_recipe(
    config: ExperimentConfig,
    seeds: Sequence[int],
    hooks: Hooks,
    run: Runner = run_experiment,
    hooks_for: Callable[[ExperimentConfig], AbstractContextManager[Hooks]] | None = None,
) -> RecipeResult:
    """Every seed's experiment in turn (finished ones are no-ops), then the recipe's decision."""
    if len(seeds) < 2:
        raise UsageError("a recipe decision needs at least 2 seeds (one seed speaks of its adapter)")
    replicates = [replicate(config, seed) for seed in seeds]
    runs = []
    for index, (seed, one) in enumerate(zip(seeds, replicates, strict=True), start=1):
        hooks.step(f"seed {seed} ({index}/{len(seeds)}): {one.name}")
        with hooks_for(one) if hooks_for else nullcontext(hooks) as seed_hooks:
            runs.append(await run(one, seed_hooks))
    return conclude_recipe(config, seeds, runs)


def conclude_recipe(
    config: ExperimentConfig, seeds: Sequence[int], runs: Sequence[ExperimentResult]
) -> RecipeResult:
    """The recipe's decision over its seeds' finished experiments, journaled once (a state file
    under `config.root` remembers it; `config.force` records it again)."""
    base = runs[0].base
    if any(r.base.suite_hash != base.suite_hash for r in runs):
        raise PunieError(f"{config.name}: the seeds were evaluated on different suites; rerun with --force")
    adapters = [r.adapter for r in runs]
    effects = tuple(recipe_effects(base, adapters))
    decision = decide_recipe(effects, dict(base.labels))
    settings = f"{config.training.changed() or 'the default settings'}"
    entry = recipe_entry(
        config.name,
        str(config.data_dir),
        str(config.root),
        seeds,
        base,
        adapters,
        effects,
        decision,
        settings,
    )
    state = config.root / RECIPE_STATE
    skipped = not record_once(config.journal, entry, state, {"seeds": list(seeds)}, config.force)
    return RecipeResult(config.name, tuple(seeds), tuple(runs), effects, decision, config.journal, skipped)


def recipe_grid_rows(
    results: Sequence[tuple[dict[str, Any], RecipeResult]],
) -> tuple[list[str], list[list[str]]]:
    """Pure: (headers, rows): each cell's settings, each category's change against the base (mean
    over the seeds, its interval, per-seed changes), and the recipe's decision."""
    if not results:
        return [], []
    settings = list(results[0][0])
    first = results[0][1]
    categories = [e.category for e in first.effects]
    headers = [*settings, *(f"Δ {label(c, first.base.labels)}" for c in categories), "decision"]
    base = first.base.intervals()
    rows = [
        ["base model", *["—"] * (len(settings) - 1)]
        + [f"base {base[c].text()}" if c in base else "—" for c in categories]
        + ["(what each change is against)"]
    ]
    for cell, result in results:
        effects = {e.category: e for e in result.effects}
        changes = [f"{e.points()}; {e.seed_changes}" if (e := effects.get(c)) else "—" for c in categories]
        rows.append(
            [str(cell[k]) for k in settings]
            + changes
            + [f"{result.decision.outcome} ({result.decision.claim})"]
        )
    return headers, rows


def render_recipe_grid_html(grid: str, results: Sequence[tuple[dict[str, Any], RecipeResult]]) -> str:
    """Pure: the grid page of recipe cells, each linked to its first seed's comparison page."""
    headers, rows = recipe_grid_rows(results)
    links: list[str | None] = [None]
    links += [
        f"{r.runs[0].compare_html.parent.parent.name}/{r.runs[0].compare_html.parent.name}/compare.html"
        for _, r in results
    ]
    about = (
        "Each cell is a recipe trained once per seed; each change is the adapters' mean against the base "
        "in points, with its 95% interval over seeds and prompts and the change in prompts of each seed. "
        "A cell improves or regresses a category only when its interval excludes 0."
    )
    return grid_html(grid, headers, rows, links, about)
