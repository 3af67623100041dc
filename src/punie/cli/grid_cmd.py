"""`punie experiment grid` (or `run --vary`): every combination of the --vary axes, each cell an
experiment or (with --seeds) a recipe; a table and page of every cell, and with --select-share
the cell chosen on selection prompts and reported on held-out ones."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from punie.cli import ui
from punie.cli.interrupt import say_what_was_kept
from punie.cli.tracking import log_recipe, tracked_hooks
from punie.eval.report import EvalReport
from punie.eval.suite_split import check_share
from punie.experiment.grid import Axis, grid_page, grid_rows, render_grid_html, run_grid
from punie.experiment.plan import ExperimentConfig
from punie.experiment.recipe import RecipeResult, recipe_grid_rows, render_recipe_grid_html, run_recipe
from punie.experiment.run import Hooks, run_experiment
from punie.experiment.selection import choice_entry, choose
from punie.journal.render import record_once
from punie.runtime.atomic import write_text_atomic
from punie.track.session import Tracking


def run_grid_command(
    config: ExperimentConfig,
    name: str,
    axes: list[Axis],
    seeds: tuple[int, ...],
    share: float | None,
    tracking: Tracking,
) -> None:
    page = grid_page(config, name)
    kept = f"finished cells are kept under {page.parent}; run the same command again to continue the grid"
    if share is not None:
        check_share(share)  # before any cell runs
    with say_what_was_kept(lambda: kept):
        if len(seeds) > 1:
            recipes = _recipe_grid(config, name, axes, seeds, page, tracking)
            if share is not None:
                cells = [(cell, [run.adapter for run in r.runs], r.name) for cell, r in recipes]
                _choose(config, name, recipes[0][1].base, cells, share)
            return
        results = asyncio.run(
            run_grid(
                config,
                name,
                axes,
                Hooks(ui.step),
                run_experiment,
                hooks_for=lambda cell: tracked_hooks(cell, tracking, name),
            )
        )
    headers, rows = grid_rows(results)
    ui.table(f"grid {name}: adapter scores (95% CI, n) and decisions (each about its adapter)", headers, rows)
    write_text_atomic(page, render_grid_html(name, results))
    ui.result(f"grid page: {page}")
    if share is not None:
        cells = [(cell, [r.adapter], r.compare_html.parent.name) for cell, r in results]
        _choose(config, name, results[0][1].base, cells, share)


def _choose(
    config: ExperimentConfig,
    grid: str,
    base: EvalReport,
    cells: list[tuple[dict[str, Any], list[EvalReport], str]],
    share: float,
) -> None:
    choice = choose(base, [(cell, adapters) for cell, adapters, _ in cells], share)
    chosen = cells[choice.index][2]
    ui.result(
        f"{choice.split.text()}\nchosen: {chosen} (selection score {100 * choice.selection_score:.1f}%)\n"
        f"held-out decision: {choice.decision.text()}"
    )
    key = {"share": share, "chosen": chosen, "decision": choice.decision._asdict()}
    state = config.runs_dir / grid / "choice.json"
    record_once(config.journal, choice_entry(grid, chosen, choice), state, key, config.force)


def _recipe_grid(
    config: ExperimentConfig,
    name: str,
    axes: list[Axis],
    seeds: tuple[int, ...],
    page: Path,
    tracking: Tracking,
) -> list[tuple[dict[str, Any], RecipeResult]]:
    async def recipe(cell: ExperimentConfig, hooks: Hooks) -> RecipeResult:
        result = await run_recipe(
            cell, seeds, hooks, hooks_for=lambda one: tracked_hooks(one, tracking, name)
        )
        log_recipe(tracking, result, cell, name)
        return result

    results = asyncio.run(run_grid(config, name, axes, Hooks(ui.step), recipe))
    headers, rows = recipe_grid_rows(results)
    ui.table(
        f"grid {name}: each cell's recipe over {len(seeds)} seeds (Δ pts vs base, 95% CI)", headers, rows
    )
    write_text_atomic(page, render_recipe_grid_html(name, results))
    ui.result(f"grid page: {page}")
    return results
