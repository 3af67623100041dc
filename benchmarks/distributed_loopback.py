"""One process against 2 ranks on loopback (mlx.launch, ring) at the same global batch: the loss
at each iteration and the wall time of each, side by side in one run.

    uv run python benchmarks/distributed_loopback.py [--iters 6] [--batch-size 2]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from punie.train.launch import Launch
from punie.train.lora_config import LoRAConfig
from punie.train.runner import TrainingRun, run_training


async def timed(config: LoRAConfig, launch: Launch) -> tuple[TrainingRun, float]:
    started = time.perf_counter()
    run = await run_training(config, launch=launch)
    return run, time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_dataset(data, split_examples(generate_tool_calling(48, seed=3), 0.2, 0.0, 3))

        def config(name: str) -> LoRAConfig:
            return LoRAConfig(data_dir=data, adapter_dir=Path(tmp) / name, iters=args.iters,
                              batch_size=args.batch_size, num_layers=8, max_seq_length=512, seed=11,
                              save_every=args.iters, steps_per_eval=10**6, val_batches=1,
                              steps_per_report=1)  # fmt: skip

        one, one_s = await timed(config("one"), Launch())
        two, two_s = await timed(config("two"), Launch(processes=2, backend="ring"))
    print("iteration | loss, 1 process | loss, 2 ranks (ring)")
    for a, b in zip(one.train_curve, two.train_curve, strict=True):
        print(f"{a.iteration} | {a.train_loss:.4f} | {b.train_loss:.4f}")
    print(f"wall time: 1 process {one_s:.1f} s, 2 ranks {two_s:.1f} s (ratio {two_s / one_s:.2f})")
    print(f"trained tokens/s: 1 process {one.tokens_per_second:.1f}, 2 ranks {two.tokens_per_second:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
