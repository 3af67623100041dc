"""`punie experiment run`: the whole loop for one dataset, recorded in the journal."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import typer

from punie.cli import ui
from punie.cli.grid_cmd import run_grid_command
from punie.cli.interrupt import say_what_was_kept
from punie.cli.options import ENGINE_HELP, TIMEOUT_HELP, UNSAFE_EXEC_HELP
from punie.cli.tracking import log_recipe, report_to_option, tracked_hooks, tracking_for
from punie.cli.train_options import launch_options, train_options
from punie.errors import UsageError
from punie.eval.categories import label
from punie.eval.client import SamplingSettings
from punie.eval.report import percent, points
from punie.eval.run_config import EvalSettings
from punie.eval.suite import BUILTIN
from punie.experiment.grid import (
    AXIS_NAMES,
    parse_axis,
)
from punie.experiment.plan import STATE_FILE, ExperimentConfig, read_state, training_settings
from punie.experiment.recipe import (
    RecipeResult,
    replicate_seeds,
    run_recipe,
)
from punie.experiment.run import ExperimentResult, Hooks, run_experiment
from punie.journal.compare import category_deltas
from punie.journal.recipe import mean_scores
from punie.runtime.device import check_request
from punie.runtime.models import DEFAULT_MODEL
from punie.serve.endpoint import DEFAULT_CONCURRENCY
from punie.track.session import Tracking
from punie.train.launch import Launch
from punie.train.lora_config import TRAIN_DEFAULTS
from punie.train.methods import METHODS

app = typer.Typer(
    help="Experiments: validate, evaluate base, train, evaluate adapter, compare.", no_args_is_help=True
)


def kept_stages(root: Path) -> str:
    stages = list(read_state(root)["stages"]) if root.is_dir() else []
    where = (
        f"finished stages ({', '.join(stages)}) kept in {root / STATE_FILE}"
        if stages
        else "no stage finished"
    )
    return f"{where}; run the same command again to continue where it stopped"


def print_outcome(result: ExperimentResult) -> None:
    if result.skipped:
        ui.info("this step is already finished (use --force to run it again)")
    base = {**result.base.score_by_category(), "overall": result.base.overall_score}
    adapter = {**result.adapter.score_by_category(), "overall": result.adapter.overall_score}
    tests = {d.category: d.test for d in category_deltas(result.base, result.adapter)}
    rows = [
        [
            name,
            percent(before),
            percent(adapter.get(name, 0.0)),
            points(adapter.get(name, 0.0) - before),
            tests[name].text() if name in tests else "",
        ]
        for name, before in base.items()
    ]
    ui.table("base vs adapter", ["category", "base", "adapter", "Δ pts", "paired test (McNemar exact)"], rows)
    ui.result(f"decision: {result.decision.text()}")
    proof = result.adapter.adapter_proof
    if proof is not None:
        (ui.warn if proof.suspicious else ui.result)(proof.text())
    ui.result(f"comparison: {result.compare_html}\njournal: {result.journal}")


@app.command("run")
@train_options()
@launch_options()
def run(
    data: Path = typer.Option(
        ..., "--data", help="Dataset directory (train.jsonl, valid.jsonl), or one `dataset sample` wrote."
    ),
    name: str = typer.Option(..., "--name", help="The step's name in the journal."),
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m"),
    settings: dict[str, Any] | None = None,
    suite: str = typer.Option(BUILTIN, "--suite"),
    max_tokens: int = typer.Option(256, "--max-tokens", help="Eval generation limit."),
    concurrency: int = typer.Option(DEFAULT_CONCURRENCY, "--concurrency", help="Eval prompts in flight."),
    per_category: int = typer.Option(0, "--per-category", help="Eval only the first N prompts per category."),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", file_okay=False),
    journal: Path = typer.Option(Path("JOURNAL.md"), "--journal", "-j"),
    force: bool = typer.Option(False, "--force", help="Run a finished step again."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | gpu (auto: GPU when MLX sees one)."),
    engine: str = typer.Option("auto", "--engine", help=ENGINE_HELP),
    unsafe_exec: bool = typer.Option(False, "--unsafe-exec", help=UNSAFE_EXEC_HELP),
    timeout: float | None = typer.Option(None, "--timeout", help=TIMEOUT_HELP),
    allow_overlap: bool = typer.Option(
        False, "--allow-overlap", help="Train even on examples that overlap the eval prompts (journaled)."
    ),
    launch: Launch = Launch(),
    seeds: int = typer.Option(
        1,
        "--seeds",
        help="Replicates: train the recipe with this many seeds (0, 1, ...) and decide about the recipe "
        "over all of them (an interval counting seeds and prompts); 1 decides about one adapter.",
    ),
    seed_list: str | None = typer.Option(None, "--seed-list", help="The replicates' seeds, e.g. 0,1,2."),
    select_share: float | None = typer.Option(
        None,
        "--select-share",
        help="With --vary: choose the best cell on this share of each category's prompts (by prompt-id "
        "hash) and report it on the rest, which did not choose it; journaled with the split.",
    ),
    vary: list[str] = typer.Option(
        [],
        "--vary",
        help=f"A grid axis, NAME=V1,V2 ({', '.join(AXIS_NAMES)}); repeat for more axes: one experiment "
        "per combination, named after --name. replay: replay answers per example, remixed from the "
        "dataset's own.",
    ),
    report_to: list[str] = report_to_option(),
) -> None:
    """Validate, evaluate the base (cached), train, evaluate the adapter, compare, and record.

    `experiment grid` (or `run --vary`) does it for every combination of the --vary axes, then
    prints and writes (runs/NAME/grid.html) one table of every cell with intervals and decisions."""
    tracking = tracking_for(report_to)
    given = dict(settings or {})
    iters = given.pop("iters", TRAIN_DEFAULTS["iters"])
    training = training_settings(iters, **given)
    config = ExperimentConfig(
        name=name,
        data_dir=METHODS[training.method].data_dir(data),  # a sampled dir: its sft/ or pairs/
        model=model,
        runs_dir=runs_dir,
        journal=journal,
        training=training,
        force=force,
        device=check_request(device),
        allow_overlap=allow_overlap,
        launch=launch,
        eval=EvalSettings(
            SamplingSettings(max_tokens=max_tokens, seed=0),
            concurrency=concurrency,
            unsafe_exec=unsafe_exec,
            prompt_timeout=timeout,
            engine=engine,
        ),
        suite=suite,
        per_category=per_category or None,
    )
    chosen = replicate_seeds(seeds, seed_list, config.training.seed)
    if len(chosen) == 1:  # one seed: an ordinary experiment (about its adapter), trained with it
        config = dataclasses.replace(config, training=dataclasses.replace(config.training, seed=chosen[0]))
    if select_share is not None and not vary:
        raise UsageError("--select-share chooses among a grid's cells: give --vary axes")
    if vary:
        run_grid_command(config, name, [parse_axis(v) for v in vary], chosen, select_share, tracking)
        return
    if len(chosen) > 1:
        _recipe(config, chosen, tracking)
        return
    with tracked_hooks(config, tracking, name) as hooks, say_what_was_kept(lambda: kept_stages(config.root)):
        result = asyncio.run(run_experiment(config, hooks))
    print_outcome(result)


def _recipe(config: ExperimentConfig, seeds: tuple[int, ...], tracking: Tracking) -> None:
    kept = f"finished seeds are kept under {config.root}; run the same command again to continue"
    with say_what_was_kept(lambda: kept):
        result = asyncio.run(
            run_recipe(
                config, seeds, Hooks(ui.step), hooks_for=lambda one: tracked_hooks(one, tracking, config.name)
            )
        )
    log_recipe(tracking, result, config, config.name)
    print_recipe(result)


def print_recipe(result: RecipeResult) -> None:
    if result.skipped:
        ui.info("this recipe is already recorded (use --force to run it again)")
    base = result.base
    base_scores, adapter_scores = base.score_by_category(), mean_scores([r.adapter for r in result.runs])
    rows = [
        [
            label(e.category, base.labels),
            percent(base_scores[e.category]),
            percent(adapter_scores.get(e.category, 0.0)),
            e.points(),
            e.seed_changes,
        ]
        for e in result.effects
    ]
    seeds = ", ".join(map(str, result.seeds))
    ui.table(
        f"recipe {result.name} over seeds {seeds}: base vs adapters",
        ["category", "base", "adapters (mean)", "Δ pts (95% CI, seeds x prompts)", "Δ prompts per seed"],
        rows,
    )
    ui.result(f"decision: {result.decision.text()}\njournal: {result.journal}")


app.command("grid")(run)
