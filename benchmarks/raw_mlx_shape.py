"""Raw mlx-lm, nothing of punie's around it: the baseline for punie's training benchmarks.

Loads a real model (`--model DIR`) or builds a named shape with random weights (`--shape NAME`,
bf16 unless `--dtype`, 4-bit where the shape says so), then calls mlx-lm's own
`mlx_lm.lora.train_model` in this process: no child process, no events file, no checkpoints.
Prints one JSON line: the median tokens/s of the reports after warm-up, and every report's
wall-clock stamp (`reports`: iteration, time.time(), trained tokens), from which a caller measures
the wall time of the same iterations in another variant.

    python benchmarks/raw_mlx_shape.py (--shape NAME --tokenizer-dir T | --model DIR) --data DIR
        [--iters 10] [--steps-per-report 10] [--dtype float32]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import types
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape")
    parser.add_argument("--tokenizer-dir")
    parser.add_argument("--model", help="a real MLX model directory instead of --shape")
    parser.add_argument("--data", required=True)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--num-layers", type=int, default=8)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--max-seq-length", type=int, default=512)
    parser.add_argument("--steps-per-report", type=int, default=1)
    parser.add_argument("--dtype", default="bfloat16", help="for --shape")
    args = parser.parse_args()
    if bool(args.model) == bool(args.shape and args.tokenizer_dir):
        parser.error("give --model, or --shape with --tokenizer-dir")

    import mlx.core as mx
    import numpy as np
    from mlx_lm.lora import CONFIG_DEFAULTS, train_model
    from mlx_lm.tuner.callbacks import TrainingCallback
    from mlx_lm.tuner.datasets import load_dataset
    from mlx_lm.utils import load, load_tokenizer

    rates: list[float] = []
    stamps: list[tuple[int, float, float]] = []

    class Rates(TrainingCallback):  # type: ignore[misc]
        def on_train_loss_report(self, info: dict[str, Any]) -> None:
            stamps.append((int(info["iteration"]), time.time(), float(info["trained_tokens"])))
            rates.append(float(info["tokens_per_second"]))

    if args.model:
        loaded: Any = load(args.model)
        model, tokenizer = loaded[0], loaded[1]
    else:
        from punie.train.shapes import build_random_model  # model construction only

        model = build_random_model(args.shape, args.dtype)
        tokenizer = load_tokenizer(Path(args.tokenizer_dir))
    with tempfile.TemporaryDirectory() as tmp:
        lora = {
            "data": args.data,
            "adapter_path": tmp,
            "iters": args.iters,
            "batch_size": args.batch_size,
            "num_layers": args.num_layers,
            "max_seq_length": args.max_seq_length,
            "learning_rate": 1e-5,
            "steps_per_report": args.steps_per_report,
            "steps_per_eval": args.iters + 1,
            "val_batches": 1,
            "save_every": args.iters + 1,
            "seed": 0,
            "lora_parameters": {"rank": args.rank, "dropout": 0.0, "scale": 20.0},
        }
        opts = types.SimpleNamespace(**{**CONFIG_DEFAULTS, **lora, "train": True, "test": False})
        np.random.seed(0)
        train_set, valid_set, _ = load_dataset(opts, tokenizer)
        train_model(opts, model, train_set, valid_set, Rates())
    skip = max(1, args.warmup // args.steps_per_report)
    timed = rates[skip:] or rates
    print(
        json.dumps(
            {
                "name": "raw mlx-lm",
                "device": str(mx.default_device()),
                "tokens_per_second": statistics.median(timed),
                "peak_memory_gb": mx.get_peak_memory() / 1e9,
                "reports": stamps,
            }
        )
    )


if __name__ == "__main__":
    main()
