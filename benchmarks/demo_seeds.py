"""How much of the demo's result is its seed: the demo's recipe trained and evaluated per seed.

    uv run python benchmarks/demo_seeds.py [--seeds 0,1,2] [--workdir DIR] [--iters N]

The replay answers are collected once (greedy, the same for every seed); each seed then gets its
own generated examples, replay mix, validation split and training seed, exactly as
`punie demo --seed N` makes them, and one experiment against the base model (evaluated once, on
the whole built-in suite). Prints each seed's score change per category with its paired test,
then the mean and the spread over the seeds. Each seed takes about 6 minutes on 2 cores.
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
from punie.eval.stats import paired_test
from punie.experiment.demo import DemoConfig, collect_demo_replay, demo_experiment, demo_splits
from punie.experiment.run import ExperimentResult, Hooks, run_experiment
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
    parser.add_argument("--iters", type=int, default=None, help="training iterations (default: the demo's)")
    parser.add_argument("--keys", default=None, help="LoRA modules, comma-separated (default: every linear)")
    parser.add_argument("--learning-rate", type=float, default=None, help="(default: the demo's)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="punie-demo-seeds-"))
    base = DemoConfig(model=DEFAULT_MODEL, workdir=workdir)
    if args.iters:
        base = dataclasses.replace(base, train=base.train.with_iters(args.iters))
    if args.keys:
        base = dataclasses.replace(
            base, train=dataclasses.replace(base.train, keys=tuple(args.keys.split(",")))
        )
    if args.learning_rate:
        base = dataclasses.replace(
            base, train=dataclasses.replace(base.train, learning_rate=args.learning_rate)
        )
    resolve_model(base.model, "train")
    hooks = Hooks(step=lambda message: print(f"  {message}", flush=True))
    answers = await collect_demo_replay(base)
    print(f"workdir {workdir}; replay: {len(answers)} complete answers of the base model", flush=True)
    deltas: dict[str, list[float]] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        config = dataclasses.replace(base, seed=seed)
        if not config.data_dir.is_dir():
            write_dataset(config.data_dir, demo_splits(config, answers))
        started = time.monotonic()
        result = await run_experiment(demo_experiment(config), hooks)
        print(f"seed {seed} ({time.monotonic() - started:.0f} s): {result.decision}", flush=True)
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


if __name__ == "__main__":
    asyncio.run(main())
