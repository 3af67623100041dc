"""`--report-to`: the trackers a command logs to, and experiment hooks that log each experiment
(a grid cell, a recipe's seed) as one tracker run and each recipe's result as another."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from punie.cli import ui
from punie.cli.progress_hooks import cli_hooks
from punie.experiment.plan import ExperimentConfig
from punie.experiment.recipe import RecipeResult
from punie.experiment.run import ExperimentResult, Hooks
from punie.track.payload import (
    decision_summary,
    experiment_artifacts,
    experiment_metrics,
    experiment_params,
    recipe_metrics,
)
from punie.track.session import TrackedRun, Tracking
from punie.track.tracker import REPORT_TO_HELP, RunInfo, parse_report_to


def report_to_option() -> Any:
    return typer.Option([], "--report-to", help=REPORT_TO_HELP, metavar="TRACKER[,TRACKER]")


def tracking_for(report_to: list[str]) -> Tracking:
    """The trackers named on the command line (checked before anything runs)."""
    return Tracking(parse_report_to(report_to), ui.warn, ui.info)


def log_experiment(tracked: TrackedRun, result: ExperimentResult) -> None:
    """An experiment's scores, decision and files (one an earlier invocation finished: nothing)."""
    if result.skipped:
        return
    tracked.log_metrics(experiment_metrics(result))
    tracked.log_summary(decision_summary(result.decision))
    tracked.log_artifacts(experiment_artifacts(result))


@contextmanager
def tracked_hooks(config: ExperimentConfig, tracking: Tracking, group: str) -> Iterator[Hooks]:
    """`cli_hooks` for `config`'s experiment, also logging its training and result to `tracking`."""
    with (
        tracking.run(RunInfo(config.name, group, experiment_params(config))) as tracked,
        cli_hooks(config.training.iters) as hooks,
    ):
        yield dataclasses.replace(
            hooks,
            on_train_event=tracked.beside(hooks.on_train_event),
            finished=lambda result: log_experiment(tracked, result),
        )


def log_recipe(tracking: Tracking, result: RecipeResult, config: ExperimentConfig, group: str) -> None:
    """A recipe's result over its seeds as its own tracker run (recorded earlier: nothing)."""
    if result.skipped:
        return
    params = {**experiment_params(config), "seeds": ",".join(map(str, result.seeds))}
    params.pop("train.seed", None)
    with tracking.run(RunInfo(result.name, group, params)) as tracked:
        tracked.log_metrics(recipe_metrics(result))
        tracked.log_summary(decision_summary(result.decision))
