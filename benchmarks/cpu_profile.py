"""Where one LoRA training step's CPU time goes: MLX (punie's engine) against torch + peft.

Same model (the embedded SmolLM2-135M, float32), same batch (4 x 384 random token ids, seed 0, every
position counted), same LoRA (rank 8, scale 20, the seven projections of the last 8 layers), Adam.
Per phase, the median of 5 timed runs after 2 warm-ups: forward (loss), forward + backward,
optimizer update, a whole step, and the operations that dominate. Run from the repo root:

    uv run python benchmarks/cpu_profile.py --peer-python /path/to/venv/bin/python

The MLX part runs in punie's training child environment (OpenBLAS preloaded); the torch part in
`--peer-python` (torch, transformers, peft, gguf), or is skipped without one. Prints two tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BATCH, LENGTH, VOCAB, LAYERS, RANK, SCALE = 4, 384, 49152, 8, 8, 20.0
KEYS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def timed(run: Callable[[], Any], sync: Callable[[Any], Any], warmup: int = 2, repeats: int = 5) -> float:
    """Median milliseconds of `run` (its result passed to `sync`, which waits for the work)."""
    for _ in range(warmup):
        sync(run())
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        sync(run())
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def token_batch() -> Any:
    import numpy as np

    return np.random.default_rng(0).integers(0, VOCAB, size=(BATCH, LENGTH), dtype=np.int64)


def mlx_part(model_dir: str) -> dict[str, float]:
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.trainer import default_loss
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    model = load(model_dir)[0]
    model.freeze()
    linear_to_lora_layers(model, LAYERS, {"rank": RANK, "scale": SCALE, "dropout": 0.0, "keys": None})
    batch = mx.array(token_batch().astype("int32"))
    lengths = mx.array([[0, LENGTH]] * BATCH)
    value_and_grad = nn.value_and_grad(model, default_loss)
    optimizer = optim.Adam(learning_rate=1e-5)
    grads = value_and_grad(model, batch, lengths)[1]
    mx.eval(grads)
    state = [model.state, optimizer.state]

    def update() -> Any:
        optimizer.update(model, grads)
        return state

    def step(b: Any, n: Any) -> Any:
        (loss, _), g = value_and_grad(model, b, n)
        optimizer.update(model, g)
        return loss

    compiled = mx.compile(step, inputs=state, outputs=state)
    tokens = BATCH * (LENGTH - 1)
    hidden = mx.random.normal((tokens, model.args.hidden_size))
    logits = mx.random.normal((tokens, VOCAB))
    targets = mx.random.randint(0, VOCAB, (tokens,))
    embed = model.model.embed_tokens
    layer = model.model.layers[0]
    mask = "causal"
    x = mx.random.normal((BATCH, LENGTH - 1, model.args.hidden_size))
    mx.eval(hidden, logits, targets, x)
    trainable = sum(v.size for _, v in tree_flatten(model.trainable_parameters()))
    sync = mx.eval
    return {
        "forward (loss)": timed(lambda: default_loss(model, batch, lengths)[0], sync),
        "forward + backward": timed(lambda: value_and_grad(model, batch, lengths), sync),
        "optimizer update (Adam)": timed(update, sync),
        "whole step": timed(lambda: [compiled(batch, lengths), state], sync),
        "op: vocabulary projection (tokens x 576 @ 576 x 49152)": timed(
            lambda: embed.as_linear(hidden), sync
        ),
        "op: cross-entropy over 49152 logits, forward": timed(
            lambda: nn.losses.cross_entropy(logits, targets).sum(), sync
        ),
        "op: cross-entropy, forward + backward": timed(
            lambda: mx.grad(lambda z: nn.losses.cross_entropy(z, targets).sum())(logits), sync
        ),
        "op: exp over tokens x 49152": timed(lambda: mx.exp(logits), sync),
        "op: one decoder layer, forward": timed(lambda: layer(x, mask=mask), sync),
        "trainable parameters": float(trainable),
    }


def torch_part(gguf_dir: str, gguf_file: str) -> dict[str, Any]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    base = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_file, torch_dtype=torch.float32)
    layers = base.config.num_hidden_layers
    config = LoraConfig(
        r=RANK,
        lora_alpha=SCALE * RANK,
        lora_dropout=0.0,
        target_modules=KEYS,
        layers_to_transform=list(range(layers - LAYERS, layers)),
    )
    model = get_peft_model(base, config)
    model.train()
    ids = torch.tensor(token_batch())
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-5)

    def forward() -> Any:
        with torch.no_grad():
            return model(input_ids=ids, labels=ids).loss

    def forward_backward() -> Any:
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        return loss

    def update() -> Any:
        optimizer.step()

    def step() -> Any:
        loss = forward_backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    tokens = BATCH * (LENGTH - 1)
    logits = torch.randn(tokens, VOCAB, requires_grad=True)
    targets = torch.randint(0, VOCAB, (tokens,))
    hidden = torch.randn(tokens, base.config.hidden_size)
    weight = base.get_output_embeddings().weight.detach()

    def ce_backward() -> Any:
        torch.nn.functional.cross_entropy(logits, targets, reduction="sum").backward()

    def none(_: Any) -> None:
        return None

    out: dict[str, Any] = {
        "forward (loss)": timed(forward, none),
        "forward + backward": timed(forward_backward, none),
        "optimizer update (Adam)": timed(update, none),
        "whole step": timed(step, none),
        "op: vocabulary projection (tokens x 576 @ 576 x 49152)": timed(lambda: hidden @ weight.T, none),
        "op: cross-entropy over 49152 logits, forward": timed(
            lambda: torch.nn.functional.cross_entropy(logits.detach(), targets), none
        ),
        "op: cross-entropy, forward + backward": timed(ce_backward, none),
        "op: exp over tokens x 49152": timed(lambda: torch.exp(logits.detach()), none),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        step()
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12)
    out["top operations of one step (torch.profiler, self CPU time)"] = table
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--peer-python", help="a Python with torch, transformers, peft and gguf")
    parser.add_argument("--part", choices=["mlx", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--gguf", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.part == "mlx":
        print(json.dumps(mlx_part(opts.model_dir)))
        return
    if opts.part == "torch":
        gguf = Path(opts.gguf)
        print(json.dumps(torch_part(str(gguf.parent), gguf.name)))
        return

    from punie.runtime.blas import find_blas
    from punie.runtime.child_env import build_child_env
    from punie.runtime.models import EMBEDDED, resolve_model
    from punie.runtime.prepare import gguf_path

    model_dir = str(resolve_model("smollm2-135m", "train").path)
    env = build_child_env(os.environ, find_blas())
    here = str(Path(__file__))
    ran = subprocess.run(
        [sys.executable, here, "--part", "mlx", "--model-dir", model_dir],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    results = {"MLX (punie's environment)": json.loads(ran.stdout.strip().splitlines()[-1])}
    if opts.peer_python:
        gguf = gguf_path(EMBEDDED["smollm2-135m"])
        peer_env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        ran = subprocess.run(
            [opts.peer_python, here, "--part", "torch", "--gguf", str(gguf)],
            env=peer_env,
            capture_output=True,
            text=True,
            check=True,
        )
        results["torch + peft"] = json.loads(ran.stdout.strip().splitlines()[-1])
    names = list(results)
    print("(MLX's whole step is compiled, as mlx-lm's trainer compiles it)")
    print(f"SmolLM2-135M fp32, batch {BATCH} x {LENGTH} tokens, LoRA rank {RANK} on the last {LAYERS} layers")
    print("| phase (median ms of 5) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    rows = list(dict.fromkeys(k for r in results.values() for k, v in r.items() if isinstance(v, float)))
    for key in rows:
        cells = [results[n].get(key) for n in names]
        print(f"| {key} | " + " | ".join(f"{c:.1f}" if isinstance(c, float) else "-" for c in cells) + " |")
    peer = results.get("torch + peft")
    if peer:
        print(f"\ntorch {peer['torch']}, {peer['threads']} threads")
        print(peer["top operations of one step (torch.profiler, self CPU time)"])


if __name__ == "__main__":
    main()
