"""`experiment grid`: one experiment per combination of training, data and inference settings (the
seed's phases 15.4-15.5). Each cell is an ordinary experiment under `runs/<grid>/<cell>`, so it has
its journal row, resumes after Ctrl-C and is a no-op once finished; the grid adds the product of the
axes, the cells' names, and one table of every cell's scores with their intervals and decision.

The `replay` axis varies the share of replay answers (punie.data.replay) in the training split: a
cell trains on `runs/<grid>/data/replay<R>`, the dataset's own tool examples with its distinct
replay answers mixed in again at R per example; the validation split stays as it is, so the
cells' validation losses compare.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import shutil
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, TypeVar

from punie.data.jsonl_io import read_dataset, write_dataset
from punie.data.replay import remix_replay
from punie.errors import UsageError
from punie.eval.categories import label
from punie.experiment.plan import ExperimentConfig
from punie.experiment.run import ExperimentResult, Hooks
from punie.train.settings import TrainSettings, declared, parse_value, setting_type

# axis -> (parser, short name in cell names); training axes are the settings declared with an
# axis name (punie.train.settings) and reach LoRAConfig, the rest reach the data or EvalSettings
TRAIN_AXES: dict[str, tuple[Callable[[str], Any], str]] = {
    name: (functools.partial(parse_value, name), setting.axis)
    for name, setting in declared().items()
    if setting.axis
}
DATA_AXES: dict[str, tuple[Callable[[str], Any], str]] = {"replay": (float, "rp")}
EVAL_AXES: dict[str, tuple[Callable[[str], Any], str]] = {
    "temperature": (float, "t"),
    "top_p": (float, "p"),
    "max_tokens": (int, "mt"),
}
AXIS_NAMES = (*TRAIN_AXES, *DATA_AXES, *EVAL_AXES)


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple[Any, ...]


def parse_axis(text: str) -> Axis:
    """Pure: `learning_rate=1e-4,2e-4` -> Axis; an unknown name or a bad value is one line."""
    name, sep, values = text.partition("=")
    name = name.strip().replace("-", "_")
    known = {**TRAIN_AXES, **DATA_AXES, **EVAL_AXES}
    if not sep or name not in known:
        raise UsageError(f"--vary {text!r}: expected NAME=V1,V2,... with NAME one of {', '.join(known)}")
    parse = known[name][0]
    try:
        parsed = tuple(parse(v.strip()) for v in values.split(",") if v.strip())
    except (ValueError, KeyError):
        raise UsageError(f"--vary {text!r}: {name} takes values like {_example(name)}") from None
    except UsageError as exc:  # a setting's value out of its declared range
        raise UsageError(f"--vary {text!r}: {exc}") from None
    if not parsed:
        raise UsageError(f"--vary {text!r}: give at least one value")
    if name == "replay" and not all(0 <= v <= 10 for v in parsed):
        raise UsageError(f"--vary {text!r}: replay takes values from 0 to 10 (replay answers per example)")
    return Axis(name, parsed)


def _example(name: str) -> str:
    if name in TRAIN_AXES:
        kind, choices = setting_type(name), declared()[name].choices
        if choices:
            return ",".join(choices)
        return {bool: "true,false", int: "20,40"}.get(kind, "0.1,0.2")
    return {"max_tokens": "96,256", "replay": "0,0.3"}.get(name, "0.1,0.2")


def cells(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """Pure: every combination of the axes' values, in order."""
    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        raise UsageError(f"--vary names an axis twice: {names}")
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(a.values for a in axes))]


def cell_name(grid: str, cell: dict[str, Any]) -> str:
    """Pure: a file-system-safe, readable name: `g-lr0.0002-it20-t0.7`."""
    short = {**TRAIN_AXES, **DATA_AXES, **EVAL_AXES}
    parts = [f"{short[k][1]}{v:g}" if isinstance(v, float) else f"{short[k][1]}{v}" for k, v in cell.items()]
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", "-".join([grid, *parts]))


def training_cell(texts: Sequence[str]) -> dict[str, Any]:
    """Pure: `NAME=VALUE` texts as one cell of training settings (the first value of each); an
    unknown name, a bad value or a setting that is not a training one is one UsageError line."""
    cell: dict[str, Any] = {}
    for text in texts:
        axis = parse_axis(text)
        if axis.name not in TRAIN_AXES:
            raise UsageError(f"--vary {text}: not a training setting ({', '.join(TRAIN_AXES)})")
        cell[axis.name] = axis.values[0]
    return cell


def replay_data_dir(base: ExperimentConfig, grid: str, ratio: float) -> Path:
    return base.runs_dir / grid / "data" / f"replay{ratio:g}"


def train_cell(training: TrainSettings, cell: dict[str, Any]) -> TrainSettings:
    """Pure: `training` with the cell's training settings; a cell that changes the iterations
    keeps a checkpoint halfway and validation at the end."""
    changed = dataclasses.replace(training, **{k: v for k, v in cell.items() if k in TRAIN_AXES})
    return changed.with_iters(changed.iters) if "iters" in cell else changed


def cell_config(base: ExperimentConfig, grid: str, cell: dict[str, Any]) -> ExperimentConfig:
    """Pure: the base experiment with the cell's settings, under runs/<grid>/<cell>."""
    training = train_cell(base.training, cell)
    evaluation = base.eval.with_sampling(**{k: v for k, v in cell.items() if k in EVAL_AXES})
    data_dir = replay_data_dir(base, grid, cell["replay"]) if "replay" in cell else base.data_dir
    return dataclasses.replace(
        base,
        name=cell_name(grid, cell),
        runs_dir=base.runs_dir / grid,
        data_dir=data_dir,
        training=training,
        eval=evaluation,
    )


def write_replay_data(base: ExperimentConfig, grid: str, ratios: Sequence[float]) -> None:
    """Write each replay ratio's dataset once (a rerun finds it); a dataset without replay answers
    cannot vary them, which is one line naming the dataset."""
    splits = read_dataset(base.data_dir) if ratios else {}
    for ratio in ratios:
        target = replay_data_dir(base, grid, ratio)
        if target.is_dir():
            continue
        train = remix_replay(splits.get("train", []), ratio, seed=base.training.seed)
        if train is None:
            raise UsageError(
                f"--vary replay: {base.data_dir / 'train.jsonl'} has no replay answers (category "
                "'replay'); build the dataset with `punie dataset generate --replay R`"
            )
        partial = target.with_name(f".{target.name}.partial")  # renamed whole: never half a dataset
        shutil.rmtree(partial, ignore_errors=True)
        write_dataset(partial, {**{k: v for k, v in splits.items() if v}, "train": train})
        partial.rename(target)


Runner = Callable[[ExperimentConfig, Hooks], Awaitable[ExperimentResult]]
R = TypeVar("R")


async def run_grid(
    base: ExperimentConfig,
    grid: str,
    axes: Sequence[Axis],
    hooks: Hooks,
    run: Callable[[ExperimentConfig, Hooks], Awaitable[R]],
    hooks_for: Callable[[ExperimentConfig], AbstractContextManager[Hooks]] | None = None,
) -> list[tuple[dict[str, Any], R]]:
    """Run every cell in turn (finished ones are no-ops, so a rerun resumes the grid); `hooks_for`
    gives a cell its own progress (the CLI sizes its training bar to the cell's iterations). A
    cell is one experiment, or (with a recipe runner) one experiment a seed."""
    plan = cells(axes)
    configs = [cell_config(base, grid, cell) for cell in plan]  # every cell checked before any runs
    write_replay_data(base, grid, sorted({cell["replay"] for cell in plan if "replay" in cell}))
    done = []
    for index, (cell, config) in enumerate(zip(plan, configs, strict=True), start=1):
        hooks.step(f"grid cell {index}/{len(plan)}: {config.name}")
        with hooks_for(config) if hooks_for else nullcontext(hooks) as cell_hooks:
            done.append((cell, await run(config, cell_hooks)))
    return done


def grid_rows(
    results: Sequence[tuple[dict[str, Any], ExperimentResult]],
) -> tuple[list[str], list[list[str]]]:
    """Pure: (headers, rows): the base model's scores first (what every cell is compared with),
    then each cell's settings, each category's adapter score with its 95% interval and n, and
    the decision against the base."""
    if not results:
        return [], []
    settings = list(results[0][0])
    categories = list(results[0][1].adapter.score_by_category())
    labels = results[0][1].adapter.labels
    headers = [*settings, *(label(c, labels) for c in categories), "decision"]
    base = results[0][1].base.intervals()
    rows = [
        ["base model", *["—"] * (len(settings) - 1)]
        + [base[c].text() if c in base else "—" for c in categories]
        + ["(what each cell is compared with)"]
    ]
    for cell, result in results:
        intervals = result.adapter.intervals()
        scores = [intervals[c].text() if c in intervals else "—" for c in categories]
        rows.append(
            [str(cell[k]) for k in settings]
            + scores
            + [f"{result.decision.outcome}: {result.decision.detail}"]
        )
    return headers, rows


ADAPTER_GRID = (
    "Adapter scores per cell with 95% Wilson intervals; each decision compares the cell's adapter "
    "with the base model on the same prompts (McNemar's exact test, p &lt; 0.05): a claim about "
    "that adapter, not its recipe."
)


def render_grid_html(grid: str, results: Sequence[tuple[dict[str, Any], ExperimentResult]]) -> str:
    """Pure: a self-contained page: the grid's table, each cell linked to its comparison page."""
    headers, rows = grid_rows(results)
    links = [None, *(result.compare_html.parent.name + "/compare.html" for _, result in results)]
    return grid_html(grid, headers, rows, links, ADAPTER_GRID)


def grid_html(
    grid: str, headers: list[str], rows: list[list[str]], links: list[str | None], about: str
) -> str:
    """Pure: a self-contained page of a grid's table, each row linked to a comparison page (the
    base's row to none)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in [*headers, "comparison"])
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(c)}</td>" for c in row)
        + (f"<td><a href='{escape(link)}'>compare</a></td></tr>" if link else "<td></td></tr>")
        for row, link in zip(rows, links, strict=True)
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>grid {escape(grid)}</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px;font-size:13px}"
        "table{border-collapse:collapse}</style></head><body>"
        f"<h1>Grid {escape(grid)}</h1><p>{about}</p><table><tr>{head}</tr>{body}</table></body></html>\n"
    )


def grid_page(base: ExperimentConfig, grid: str) -> Path:
    return base.runs_dir / grid / "grid.html"
