"""LoRA training throughput, side by side in one run: raw mlx_lm.lora vs punie vs torch + peft.

Same model (the embedded SmolLM2-135M, float32), same data, same LoRA settings (rank, scale, all
seven projections of the last N layers), same batch and sequence limit. Prints tokens/s for each
and the ratios. Run from the repo root:

    uv run python benchmarks/train_throughput.py [--iters 10] [--peer-python /path/to/python]

Variants:
- raw mlx_lm.lora, as installed: `python -m mlx_lm lora` with the environment as it comes (on
  Linux the mlx-cpu wheel's reference BLAS). Few iterations: it is very slow.
- raw mlx_lm.lora, punie's environment: the same command with punie's child environment
  (optimized BLAS preloaded): isolates what the wrapper itself costs.
- punie: `run_training_benchmark`, i.e. the training child punie uses for `punie train`.
- torch + peft (the peer): `benchmarks/peer_torch_lora.py`, in this Python when torch, transformers,
  peft and gguf import, else in `--peer-python`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from punie.runtime.blas import REFERENCE, find_blas
from punie.runtime.child_env import build_child_env
from punie.runtime.models import EMBEDDED, resolve_model
from punie.runtime.prepare import gguf_path
from punie.train.settings import TrainSettings
from punie.train.shapes import get_shape
from punie.training.benchmark import BenchmarkResult, create_dummy_dataset, run_training_benchmark

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s*\S*\s+([\d.]+)\s+[\d.]+k?\s*$")


def parse_lora_rows(text: str) -> list[float]:
    """tok/s of each training row in mlx_lm.lora 0.32's table output (val rows skipped)."""
    rates = []
    for line in ANSI.sub("", text).splitlines():
        match = ROW.match(line)
        if match and "val" not in line:
            rates.append(float(match[3]))
    return rates


def raw_lora(model: Path, data: Path, env: dict[str, str], iters: int, opts: argparse.Namespace) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "lora.yaml"
        cfg.write_text(f"lora_parameters:\n  rank: {opts.rank}\n  scale: 20.0\n  dropout: 0.0\n")
        cmd = [
            sys.executable,
            "-m",
            "mlx_lm",
            "lora",
            "--model",
            str(model),
            "--train",
            "--data",
            str(data),
            "--iters",
            str(iters),
            "--batch-size",
            str(opts.batch_size),
            "--num-layers",
            str(opts.num_layers),
            "--max-seq-length",
            str(opts.max_seq_length),
            "--steps-per-report",
            "1",
            "--steps-per-eval",
            str(iters + 1),
            "--val-batches",
            "1",
            "--save-every",
            str(iters + 1),
            "--adapter-path",
            str(Path(tmp) / "adapter"),
            "-c",
            str(cfg),
        ]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    rates = parse_lora_rows(out)[opts.warmup :]
    if not rates:
        raise RuntimeError(f"could not read tok/s from mlx_lm.lora output:\n{out[-2000:]}")
    return statistics.median(rates)


def shared_flags(opts: argparse.Namespace) -> list[str]:
    """The loop settings every variant gets, as command-line flags."""
    names = ("iters", "warmup", "batch_size", "num_layers", "rank", "max_seq_length")
    return [arg for name in names for arg in (f"--{name.replace('_', '-')}", str(getattr(opts, name)))]


def peer(data: Path, opts: argparse.Namespace) -> dict[str, float] | None:
    python = opts.peer_python
    if python is None:
        wanted = ("torch", "transformers", "peft", "gguf")
        if not all(importlib.util.find_spec(name) for name in wanted):
            return None
        python = sys.executable
    gguf = gguf_path(EMBEDDED["smollm2-135m"])
    cmd = [
        python,
        str(Path(__file__).with_name("peer_torch_lora.py")),
        "--gguf-dir",
        str(gguf.parent),
        "--gguf-file",
        gguf.name,
        "--tokenizer-dir",
        str(resolve_model("smollm2-135m", "train").path),
        "--data",
        str(data),
        *shared_flags(opts),
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def punie_run(
    data: Path, opts: argparse.Namespace, steps_per_report: int | None = None, **extra: Any
) -> tuple[BenchmarkResult, float]:
    """punie's own benchmark on the same settings, and its median per-iteration tokens/s after
    warm-up (the way mlx_lm.lora's rows and the other variants report theirs)."""
    ours = asyncio.run(
        run_training_benchmark(
            "smollm2-135m",
            opts.iters,
            data_dir=data,
            settings=TrainSettings(
                batch_size=opts.batch_size,
                num_layers=opts.num_layers,
                rank=opts.rank,
                max_seq_length=opts.max_seq_length,
                steps_per_report=steps_per_report,
            ),
            untimed_iters=opts.warmup,
            **extra,
        )
    )
    return ours, statistics.median(ours.iteration_tokens_per_second[i] for i in ours.timed_reports())


def run_json(cmd: list[str]) -> dict[str, Any]:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def gpu_main(opts: argparse.Namespace) -> None:
    """Per shape, one run: raw mlx-lm vs punie vs torch + peft, bf16 on the GPU, same data and LoRA."""
    tokenizer = resolve_model("smollm2-135m", "train").path
    here = Path(__file__).parent
    common = shared_flags(opts)
    table: list[tuple[str, str, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        create_dummy_dataset(data, num_examples=opts.examples)
        for name in [s for s in opts.shapes.split(",") if s] or ["smollm2-135m"]:
            shape = get_shape(name)
            raw = run_json(
                [
                    sys.executable,
                    str(here / "raw_mlx_shape.py"),
                    "--shape",
                    name,
                    "--tokenizer-dir",
                    str(tokenizer),
                    "--data",
                    str(data),
                    *common,
                ]
            )
            ours, punie_rate = punie_run(data, opts, device="gpu", shape=name)
            peer_result: dict[str, Any] = {"error": "no torch 4-bit peer for this shape"}
            if shape.bits is None:
                peer_result = run_json(
                    [
                        opts.peer_python or sys.executable,
                        str(here / "peer_torch_lora.py"),
                        "--tokenizer-dir",
                        str(tokenizer),
                        "--data",
                        str(data),
                        "--shape-config",
                        json.dumps(shape.config),
                        "--device",
                        "cuda",
                        *common,
                    ]
                )
            rows = [("raw mlx-lm", raw), ("torch + peft", peer_result)]
            print(
                f"{name}: punie {punie_rate:.0f} tok/s, {ours.seconds_per_iter:.3f} s/iter, "
                f"peak {ours.peak_memory_gb or 0:.1f} GB, {ours.speed_band and ours.speed_band.decision}",
                flush=True,
            )
            table.append((name, "punie", punie_rate, f"{ours.seconds_per_iter:.3f} s/iter"))
            for label, found in rows:
                rate = found.get("tokens_per_second")
                table.append((name, label, rate, found.get("error", "")))
                print(f"  {label}: {f'{rate:.0f} tok/s' if rate else found.get('error')}", flush=True)
    print(
        f"\nGPU, bf16, LoRA rank {opts.rank}, last {opts.num_layers} layers, batch {opts.batch_size}, "
        f"max seq {opts.max_seq_length}, {opts.iters} iters ({opts.warmup} warm-up)"
    )
    print("| shape | variant | tok/s | punie / variant | note |\n|---|---|---|---|---|")
    punie_rates = {shape: rate for shape, label, rate, _ in table if label == "punie"}
    for shape, label, rate, note in table:
        ratio = f"{punie_rates[shape] / rate:.2f}x" if rate else "-"
        print(f"| {shape} | {label} | {f'{rate:.0f}' if rate else '-'} | {ratio} | {note} |")


Stamp = tuple[int, float, float]  # iteration, time.time(), trained tokens so far


def wall_seconds_per_iter(stamps: list[Stamp], start: int, end: int) -> tuple[float, float]:
    """Wall-clock s/iter and tokens/s from the report at iteration `start` to the one at `end`:
    everything the loop does in between counts (steps, reporting, callbacks, a wrapper's work)."""
    first = next(s for s in stamps if s[0] == start)
    last = next(s for s in stamps if s[0] == end)
    seconds = last[1] - first[1]
    return seconds / (end - start), (last[2] - first[2]) / seconds


def overhead_pair(target: str, data: Path, opts: argparse.Namespace, device: str) -> dict[str, float]:
    """One raw mlx-lm run (its default report every 10 steps) and one punie run of `target` (a
    --shape name, or the embedded model), same data, seed and LoRA; s/iter over the same
    iterations (after `opts.warmup`), measured by wall clock in both."""
    shape = target.removeprefix("shape:") if target.startswith("shape:") or target not in EMBEDDED else None
    if shape:
        get_shape(shape)
    tokenizer = opts.tokenizer_dir or resolve_model("smollm2-135m", "train").path
    source = ["--shape", shape, "--tokenizer-dir", str(tokenizer)] if shape else ["--model", str(tokenizer)]
    dtype = "float32" if device == "cpu" else "bfloat16"
    flags = ["--steps-per-report", str(opts.raw_report), "--dtype", dtype]
    env = build_child_env(os.environ, find_blas())
    cmd = [sys.executable, str(Path(__file__).with_name("raw_mlx_shape.py")), *source, "--data", str(data)]
    proc = subprocess.run([*cmd, *shared_flags(opts), *flags], env=env, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"raw mlx-lm failed: {proc.stderr.strip().splitlines()[-1:]}")
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    events: list[Stamp] = []

    def collect(event: dict[str, Any]) -> None:
        if event.get("event") == "train":
            events.append((int(event["iteration"]), float(event["time"]), float(event["trained_tokens"])))

    punie_run(
        data,
        opts,
        device=device,
        shape=shape,
        tokenizer_dir=Path(opts.tokenizer_dir) if opts.tokenizer_dir and shape else None,
        steps_per_report=opts.punie_report,
        on_event=collect,
    )
    raw_stamps = [(int(r[0]), float(r[1]), float(r[2])) for r in raw["reports"]]
    shared = sorted({r[0] for r in raw_stamps} & {e[0] for e in events})  # reported by both
    start = next((i for i in shared if i >= opts.warmup), shared[0])
    raw_s, raw_tok = wall_seconds_per_iter(raw_stamps, start, shared[-1])
    punie_s, punie_tok = wall_seconds_per_iter(events, start, shared[-1])
    return {"raw_s": raw_s, "punie_s": punie_s, "raw_tok": raw_tok, "punie_tok": punie_tok}


def overhead_main(opts: argparse.Namespace) -> None:
    """punie's training child against raw mlx-lm `train_model`, per target, `opts.repeats` pairs
    (the order alternates, so drift does not favour one side); ratio = raw s/iter / punie s/iter."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        create_dummy_dataset(data, num_examples=opts.examples)
        for target in opts.overhead.split(","):
            for repeat in range(opts.repeats):
                pair = overhead_pair(target, data, opts, opts.device)
                rows.append((target, repeat + 1, pair))
                print(
                    f"{target} #{repeat + 1}: raw {pair['raw_s'] * 1000:.1f} ms/iter, "
                    f"punie {pair['punie_s'] * 1000:.1f} ms/iter, "
                    f"punie / raw {pair['raw_s'] / pair['punie_s']:.3f}",
                    flush=True,
                )
    print(
        f"\n{opts.device}, batch {opts.batch_size}, max seq {opts.max_seq_length}, LoRA rank {opts.rank}, "
        f"last {opts.num_layers} layers, {opts.iters} iters, timed from iteration {opts.warmup}; raw reports "
        f"every {opts.raw_report} steps, punie every {opts.punie_report or 'default'}; wall clock"
    )
    print("| target | run | raw ms/iter | punie ms/iter | raw tok/s | punie tok/s | punie / raw |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for target, repeat, p in rows:
        print(
            f"| {target} | {repeat} | {p['raw_s'] * 1000:.1f} | {p['punie_s'] * 1000:.1f} "
            f"| {p['raw_tok']:.0f} "
            f"| {p['punie_tok']:.0f} | {p['raw_s'] / p['punie_s']:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument(
        "--reference-iters", type=int, default=3, help="iterations for the slow as-installed run"
    )
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--num-layers", type=int, default=8)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--max-seq-length", type=int, default=512)
    parser.add_argument("--examples", type=int, default=16)
    parser.add_argument("--skip-reference", action="store_true", help="skip raw mlx_lm.lora as installed")
    parser.add_argument("--peer-python", help="a Python with torch, transformers, peft and gguf")
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument(
        "--shapes", default="", help="GPU mode: comma-separated --shape names (random weights)"
    )
    parser.add_argument(
        "--overhead",
        default="",
        help="targets, comma-separated: a shape (tiny-llama, shape:smollm2-135m: random weights) or "
        "the embedded model (smollm2-135m): punie's child vs raw train_model",
    )
    parser.add_argument("--repeats", type=int, default=3, help="--overhead: pairs per target")
    parser.add_argument(
        "--tokenizer-dir", help="--overhead: tokenizer files for shapes (default: the embedded model's)"
    )
    parser.add_argument(
        "--raw-report", type=int, default=10, help="--overhead: raw mlx-lm's steps_per_report"
    )
    parser.add_argument(
        "--punie-report", type=int, help="--overhead: punie's steps_per_report (default: its own)"
    )
    opts = parser.parse_args()
    if opts.overhead:
        overhead_main(opts)
        return
    if opts.device == "gpu":
        gpu_main(opts)
        return

    model = resolve_model("smollm2-135m", "train").path
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        create_dummy_dataset(data, num_examples=opts.examples)
        if not opts.skip_reference:
            env = build_child_env(os.environ, REFERENCE)
            ref_opts = argparse.Namespace(
                **{**vars(opts), "warmup": min(opts.warmup, opts.reference_iters - 1)}
            )
            results.append(
                ("raw mlx_lm.lora, as installed", raw_lora(model, data, env, opts.reference_iters, ref_opts))
            )
            print(f"{results[-1][0]}: {results[-1][1]:.1f} tok/s", flush=True)
        env = build_child_env(os.environ, find_blas())
        results.append(("raw mlx_lm.lora, punie's environment", raw_lora(model, data, env, opts.iters, opts)))
        print(f"{results[-1][0]}: {results[-1][1]:.1f} tok/s", flush=True)
        ours, punie_rate = punie_run(data, opts)
        results.append(("punie", punie_rate))
        print(f"punie: {punie_rate:.1f} tok/s ({ours.blas})", flush=True)
        peer_result = peer(data, opts)
        if peer_result:
            results.append(
                (f"torch {peer_result.get('torch', '')} + peft (peer)", peer_result["tokens_per_second"])
            )
            print(f"{results[-1][0]}: {results[-1][1]:.1f} tok/s", flush=True)
        else:
            print("torch + peft: skipped (install the bench-peers extra or pass --peer-python)")
    print(
        f"\nSmolLM2-135M fp32, LoRA rank {opts.rank}, all projections, last {opts.num_layers} layers, "
        f"batch {opts.batch_size}, max seq {opts.max_seq_length}, {opts.iters} iters ({opts.warmup} warm-up)"
    )
    print(f"{'variant':44} {'tok/s':>9} {'punie / variant':>16}")
    for name, rate in results:
        print(f"{name:44} {rate:9.1f} {punie_rate / rate:15.2f}x")


if __name__ == "__main__":
    main()
