"""`punie demo`: prepare, generate data, benchmark, train and evaluate one adapter, record it all."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

import typer

from punie.cli import ui
from punie.cli.experiment_cmd import print_outcome, print_recipe
from punie.cli.interrupt import say_what_was_kept
from punie.cli.options import ENGINE_HELP, TIMEOUT_HELP, UNSAFE_EXEC_HELP
from punie.cli.progress_hooks import cli_hooks
from punie.cli.tracking import log_recipe, report_to_option, tracked_hooks, tracking_for
from punie.cli.train_options import train_options
from punie.errors import UsageError
from punie.eval.categories import label
from punie.eval.report import EvalReport
from punie.experiment.demo import (
    DEMO_SEEDS,
    DEMO_TRADE,
    DEMO_TRAINING,
    DemoConfig,
    run_demo_recipe,
)
from punie.experiment.demo_recipes import DEFAULT_RECIPE, DEMO_RECIPES
from punie.experiment.recipe import replicate_seeds
from punie.journal.ledger import ledger_path, read_entries
from punie.journal.render import render_table, table_rows
from punie.runtime.device import check_request
from punie.runtime.models import DEFAULT_MODEL


@train_options(["iters"], defaults=DEMO_TRAINING)
def demo(
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Alias, MLX directory or cached hub id."),
    workdir: Path = typer.Option(
        Path("."), "--workdir", help="Where data/, runs/ and JOURNAL.md go.", file_okay=False
    ),
    settings: dict[str, Any] | None = None,
    per_category: int = typer.Option(0, "--per-category", help="Eval prompts per category (0: all)."),
    seed: int = typer.Option(
        0,
        "--seed",
        help="Seed of the generated data, its split and training (each seed has its own data and runs).",
    ),
    seeds: int = typer.Option(
        DEMO_SEEDS,
        "--seeds",
        help="Replicates from --seed on (each with its own data and adapter), then one decision about "
        "the recipe over all of them; 1: a decision about one adapter. About 3 to 3.5 minutes a seed "
        "on 2 cores.",
    ),
    force: bool = typer.Option(False, "--force", help="Redo every stage."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | gpu (auto: GPU when MLX sees one)."),
    engine: str = typer.Option("auto", "--engine", help=ENGINE_HELP),
    unsafe_exec: bool = typer.Option(False, "--unsafe-exec", help=UNSAFE_EXEC_HELP),
    timeout: float | None = typer.Option(None, "--timeout", help=TIMEOUT_HELP),
    report_to: list[str] = report_to_option(),
    recipe_name: str = typer.Option(
        DEFAULT_RECIPE,
        "--recipe",
        help="; ".join(f"{name}: {recipe.about}" for name, recipe in DEMO_RECIPES.items())
        + ". --iters sets each stage's iterations.",
    ),
) -> None:
    """The whole loop on the embedded model: benchmark, train an adapter, evaluate, compare, journal."""
    started = time.monotonic()
    tracking = tracking_for(report_to)
    if seed < 0:
        raise UsageError(f"--seed must be 0 or more, got {seed}")
    if recipe_name not in DEMO_RECIPES:
        raise UsageError(f"--recipe must be one of {', '.join(DEMO_RECIPES)}, got {recipe_name!r}")
    way = DEMO_RECIPES[recipe_name]
    base = DemoConfig(model=model, workdir=workdir, force=force, device=check_request(device), seed=seed)
    evaluation = dataclasses.replace(
        base.eval, unsafe_exec=unsafe_exec, prompt_timeout=timeout, engine=engine
    )
    train = base.train.with_iters(settings["iters"]) if settings else base.train
    config = dataclasses.replace(base, train=train, eval=evaluation, per_category=per_category or None)
    chosen = replicate_seeds(seeds, None, seed)
    kept = f"what finished is kept in {config.workdir}; run `punie demo` again to continue"
    if len(chosen) > 1:
        with cli_hooks(config.bench_iters) as bench_hooks, say_what_was_kept(lambda: kept):
            recipe = asyncio.run(
                run_demo_recipe(
                    config,
                    chosen,
                    lambda one: tracked_hooks(one, tracking, config.name),
                    bench_hooks,
                    way.stage,
                    way.final,
                )
            )
        log_recipe(tracking, recipe, way.final(config), config.name)
        print_recipe(recipe)
        _held_out(config, recipe.base)
        if way.instead:
            ui.info(way.instead)
        _summary(config, started)
        return
    with (
        tracked_hooks(way.final(config), tracking, config.name) as hooks,
        cli_hooks(config.bench_iters) as bench_hooks,
        say_what_was_kept(lambda: kept),
    ):
        result = asyncio.run(way.stage(config, hooks, bench_hooks))
    print_outcome(result)
    _held_out(config, result.base)
    _summary(
        config, started, f"{result.base_html}\n         {result.adapter_html}\n         {result.compare_html}"
    )


def _held_out(config: DemoConfig, base: EvalReport) -> None:
    if config.held_out_of is None:
        return
    counts = ", ".join(f"{label(c, base.labels)} {n}" for c, n in base.scored_by_category().items())
    ui.info(
        f"scored on {base.prompt_count} held-out prompts ({counts}): the demo's settings were chosen on "
        f"the other {config.held_out_of:g} of each category's prompts (docs/demo-grid.md), never on these"
    )
    if config.train == DEMO_TRAINING:  # what the default settings traded to fit the demo's time
        ui.info(DEMO_TRADE)


def _summary(config: DemoConfig, started: float, reports: str | None = None) -> None:
    entries = read_entries(ledger_path(config.journal))
    ui.raw("\n" + render_table(table_rows(entries)) + "\n")
    ui.result(f"journal: {config.journal.resolve()}")
    if reports:
        ui.result(f"reports: {reports}")
    ui.info(f"demo finished in {(time.monotonic() - started) / 60:.1f} min")
