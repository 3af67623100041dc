"""How much of the demo's result is its seed: the demo's recipe trained and evaluated per seed.

    uv run python benchmarks/demo_seeds.py [--seeds 0,1,2] [--workdir DIR] [--set NAME=VALUE ...]

The replay answers are collected once (greedy, the same for every seed); each seed then gets its
own generated examples, replay mix, validation split and training seed, exactly as
`punie demo --seed N` makes them, and one experiment against the base model (evaluated once, on
the whole built-in suite). Prints each seed's score change per category with its paired test,
then the mean and the spread over the seeds. Each seed takes about 5 minutes on 2 cores.
`--set` changes one training setting of the demo's (any `experiment grid` training axis:
learning_rate, iters, rank, num_layers, mask_prompt, batch_size, lr_schedule, warmup). Recipe N
of docs/demo-grid.md (fourth round) is `--set batch_size=1 --set iters=60 --set learning_rate=3e-4
--set lr_schedule=cosine --set warmup=5`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from punie.data.jsonl_io import write_dataset
from punie.errors import UsageError
from punie.eval.stats import paired_test
from punie.experiment.demo import DemoConfig, collect_demo_replay, demo_experiment, demo_splits
from punie.experiment.grid import train_cell, training_cell
from punie.experiment.run import ExperimentResult, Hooks, run_experiment
from punie.experiment.selection import only, split_prompts
from punie.journal.recipe import recipe_effects
from punie.runtime.models import DEFAULT_MODEL, resolve_model


def passed(result: ExperimentResult, category: str) -> tuple[dict[str, bool], dict[str, bool]]:
    base = {r.id: r.passed for r in result.base.results if r.category == category}
    return base, {r.id: r.passed for r in result.adapter.results if r.category == category}


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE, a training setting")
    parser.add_argument("--keys", default=None, help="LoRA modules, comma-separated (default: every linear)")
    parser.add_argument(
        "--select-share",
        type=float,
        default=None,
        help="also print the recipe's effect on the selection share of each category (the prompts "
        "that choose the demo's settings) and on the held-out rest, as `experiment grid --select-share`",
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="punie-demo-seeds-"))
    # The whole suite: the seeds' changes are shown on every prompt, and --select-share splits them.
    base = DemoConfig(model=DEFAULT_MODEL, workdir=workdir, held_out_of=None)
    try:
        cell = training_cell(args.set)
    except UsageError as error:
        parser.error(str(error).replace("--vary", "--set"))
    train = train_cell(base.train, cell)
    if args.keys:
        train = dataclasses.replace(train, keys=tuple(args.keys.split(",")))
    base = dataclasses.replace(base, train=train)
    resolve_model(base.model, "train")
    hooks = Hooks(step=lambda message: print(f"  {message}", flush=True))
    answers = await collect_demo_replay(base)
    print(f"workdir {workdir}; replay: {len(answers)} complete answers of the base model", flush=True)
    deltas: dict[str, list[float]] = {}
    results: list[ExperimentResult] = []
    for seed in (int(s) for s in args.seeds.split(",")):
        config = dataclasses.replace(base, seed=seed)
        if not config.data_dir.is_dir():
            write_dataset(config.data_dir, demo_splits(config, answers))
        started = time.monotonic()
        result = await run_experiment(demo_experiment(config), hooks)
        print(f"seed {seed} ({time.monotonic() - started:.0f} s): {result.decision}", flush=True)
        results.append(result)
        for category in result.adapter.score_by_category():
            before, after = passed(result, category)
            test = paired_test(before, after)
            was, now = sum(before.values()), sum(after.values())
            delta = 100 * (now - was) / len(before)
            deltas.setdefault(category, []).append(delta)
            print(
                f"  {category:16} {was:2}/{len(before)} -> {now:2}/{len(after)}  "
                f"{delta:+6.1f} pts  {test.gained} gained / {test.lost} lost, p = {test.p_value:.3g}",
                flush=True,
            )
    print("over the seeds (mean, sample standard deviation, each seed):")
    for category, values in deltas.items():
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        shown = ", ".join(f"{v:+.1f}" for v in values)
        print(f"  {category:16} {statistics.mean(values):+6.1f} pts  sd {spread:4.1f}  ({shown})")
    if args.select_share is not None:
        split = split_prompts(results[0].base, args.select_share)
        adapters = [r.adapter for r in results]
        print(split.text())
        for name, ids in (("selection", split.selection), ("held-out", split.held_out)):
            base_part = only(results[0].base, ids)
            parts = [only(adapter, ids) for adapter in adapters]
            score = statistics.fmean(part.overall_score for part in parts)
            base_score = 100 * base_part.overall_score
            print(f"{name}: adapters' mean overall score {100 * score:.1f}% (base {base_score:.1f}%)")
            for effect in recipe_effects(base_part, parts):
                print(f"  {effect.category:16} {effect.text()}")


if __name__ == "__main__":
    asyncio.run(main())
