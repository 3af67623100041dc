"""Raw mlx-lm on a random-weight model of a named shape: the baseline for punie's GPU benchmark.

Builds the model (random weights, bf16, 4-bit where the shape says so), then calls mlx-lm's own
`mlx_lm.lora.train_model` with nothing of punie's around it: no child process, no events file,
no checkpoint measurements. Prints one JSON line with the median tokens/s after warm-up.

    python benchmarks/raw_mlx_shape.py --shape NAME --tokenizer-dir T --data DIR [--iters 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import types
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--shape", "--tokenizer-dir", "--data"):
        parser.add_argument(name, required=True)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--num-layers", type=int, default=8)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--max-seq-length", type=int, default=512)
    args = parser.parse_args()

    import mlx.core as mx
    import numpy as np
    from mlx_lm.lora import CONFIG_DEFAULTS, train_model
    from mlx_lm.tuner.callbacks import TrainingCallback
    from mlx_lm.tuner.datasets import load_dataset
    from mlx_lm.utils import load_tokenizer

    from punie.train.shapes import build_random_model  # model construction only

    rates: list[float] = []

    class Rates(TrainingCallback):  # type: ignore[misc]
        def on_train_loss_report(self, info: dict[str, Any]) -> None:
            rates.append(float(info["tokens_per_second"]))

    model = build_random_model(args.shape)
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
            "steps_per_report": 1,
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
    timed = rates[args.warmup :] or rates
    print(
        json.dumps(
            {
                "name": "raw mlx-lm",
                "device": str(mx.default_device()),
                "tokens_per_second": statistics.median(timed),
                "peak_memory_gb": mx.get_peak_memory() / 1e9,
            }
        )
    )


if __name__ == "__main__":
    main()
