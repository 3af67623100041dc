"""The cost of one GRPO step on the embedded model, with punie's scorer as the reward (issue 28).

    uv run python benchmarks/grpo_step.py [--k 4] [--per-category N] [--max-tokens 96]
        [--adapter DIR] [--engine auto|mlx|llama.cpp|llama-server]

One step of GRPO is: K answers to every prompt of the batch from the *current* policy, each
scored; each answer's advantage over its prompt's others (`punie.data.samples.group_rows`); one
update of the LoRA weights on those answers (`punie.train.grpo`). Measured here:

- sampling: `punie dataset sample` on the selection half (the managed server's start included,
  since a GRPO step's policy is new each step and a server serves one adapter);
- the update: the embedded model loaded in a child with punie's training environment (OpenBLAS
  preloaded, as every punie training child; the reference BLAS is about 25x slower) and LoRA
  layers of the demo's settings, one Adam step over every row with an advantage (gradients
  summed over micro-batches).

Prints the seconds of each part, how many prompts gave a signal (answers with both verdicts), by
category, and what a run of the demo's 20 steps would cost at that rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from punie.data.samples import group_rows
from punie.data.sampling import SampleConfig, sample
from punie.eval.client import SamplingSettings
from punie.eval.suite import first_per_category
from punie.eval.suite_load import load_suite
from punie.experiment.demo import DEMO_TRAINING
from punie.runtime.child_env import child_env
from punie.runtime.models import DEFAULT_MODEL, resolve_model
from punie.serve.config import ServerConfig
from punie.train.grpo import grpo_loss, row_batches, tokenize_rows


def update_once(model_dir: Path, rows: list[dict[str, Any]], micro_batch: int) -> tuple[float, float, float]:
    """Load the model with the demo's LoRA layers and take one Adam step over `rows`: (load
    seconds, update seconds, the loss)."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx.utils import tree_map
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    settings = DEMO_TRAINING
    started = time.perf_counter()
    loaded: Any = load(str(model_dir))
    model, tokenizer = loaded[0], loaded[1]
    model.freeze()
    lora = {"rank": settings.rank, "scale": settings.scale, "dropout": settings.dropout}
    linear_to_lora_layers(model, settings.num_layers, lora)
    optimizer = optim.Adam(learning_rate=settings.learning_rate)
    tokenized = tokenize_rows(tokenizer, rows)
    loaded_at = time.perf_counter()
    step = nn.value_and_grad(model, grpo_loss)
    total: Any = None
    loss_sum = 0.0
    for tokens, lengths, advantages in row_batches(tokenized, micro_batch, settings.max_seq_length):
        share = tokens.shape[0] / len(tokenized)  # each micro-batch's share of the mean over rows
        (loss, _), grads = step(model, tokens, lengths, advantages)
        grads = tree_map(lambda g, s=share: g * s, grads)
        total = grads if total is None else tree_map(lambda a, b: a + b, total, grads)
        mx.eval(total, loss)
        loss_sum += loss.item() * share
    optimizer.update(model, total)
    mx.eval(model.parameters(), optimizer.state)
    return loaded_at - started, time.perf_counter() - loaded_at, loss_sum


def update_in_child(
    model_dir: Path, rows: list[dict[str, Any]], micro_batch: int, out: Path
) -> tuple[float, ...]:
    """`update_once` in a child with punie's training environment; its (load, update, loss)."""
    rows_file = out / "grpo-rows.json"
    rows_file.write_text(json.dumps(rows))
    argv = [sys.executable, __file__, "--update", str(rows_file), str(model_dir), str(micro_batch)]
    done = subprocess.run(argv, env=child_env(), capture_output=True, text=True, check=True)
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--adapter", default=None, help="the current policy's adapter (none: the base)")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--k", type=int, default=4, help="answers per prompt (GRPO's group size)")
    parser.add_argument("--per-category", type=int, default=0, help="first N prompts of each category")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--micro-batch", type=int, default=4)
    args = parser.parse_args()
    suite = first_per_category(load_suite(), args.per_category)
    out = Path(tempfile.mkdtemp(prefix="punie-grpo-step-"))
    server = ServerConfig(model_path=args.model, port=0, engine=args.engine, adapter_path=args.adapter)
    sampling = SamplingSettings(temperature=0.8, max_tokens=args.max_tokens, seed=0)
    started = time.perf_counter()
    result = await sample(SampleConfig(suite, out, k=args.k, sampling=sampling, server=server))
    sampled = time.perf_counter() - started
    prompts = {p.id: p for p in suite.prompts}
    rows = group_rows(prompts, result.scored)
    asked = Counter(prompts[s.prompt_id].category for s in result.scored)
    signal = Counter(r["category"] for r in rows)
    with_signal = {r["prompt_id"] for r in rows}
    print(f"{result.prompts} selection prompts x K={args.k} = {result.samples} answers, engine {args.engine}")
    for category in sorted(asked):
        prompts_in = len({s.prompt_id for s in result.scored if prompts[s.prompt_id].category == category})
        signalled = len({i for i in with_signal if prompts[i].category == category})
        print(f"  {category:16} {signalled} of {prompts_in} prompts give a signal, {signal[category]} rows")
    print(f"sampling and scoring (server start included): {sampled:.1f} s")
    if not rows:
        print("no prompt got both verdicts: this step would not change the policy")
        return
    load_s, update_s, loss = update_in_child(
        resolve_model(args.model, "train").path, rows, args.micro_batch, out
    )
    print(f"model load and LoRA layers: {load_s:.1f} s (once per run)")
    print(f"one update over {len(rows)} rows: {update_s:.1f} s (loss {loss:+.4f})")
    step = sampled + update_s
    print(f"one GRPO step: {step:.1f} s; 20 steps (the demo's SFT count): {20 * step / 60:.1f} min")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:  # the child: rows file, model dir, micro-batch
        updated = update_once(Path(sys.argv[3]), json.loads(Path(sys.argv[2]).read_text()), int(sys.argv[4]))
        print(json.dumps(updated))
    else:
        asyncio.run(main())
