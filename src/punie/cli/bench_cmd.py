"""`punie bench train`: training speed and its band (proceed / usable / marginal / pivot)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import typer

from punie.cli import ui
from punie.cli.journal_cmd import JOURNAL_OPTION_HELP, record_entry
from punie.cli.train_options import launch_options, train_options
from punie.errors import UsageError
from punie.journal.entries import benchmark_entry
from punie.runtime.blas import REFERENCE, find_blas
from punie.runtime.device import check_request
from punie.runtime.models import DEFAULT_MODEL
from punie.train.bench_compare import combine_repeats, ratio_rows
from punie.train.benchmark import BENCH_SETTINGS, BenchmarkResult, run_training_benchmark
from punie.train.launch import Launch
from punie.train.settings import TrainSettings
from punie.train.shapes import SHAPES, get_shape
from punie.train.speed_bands import Thresholds

app = typer.Typer(help="Benchmarks.", no_args_is_help=True)


def _show(result: BenchmarkResult) -> None:
    low, mid, high = result.min_seconds_per_iter, result.seconds_per_iter, result.max_seconds_per_iter
    spread = f"{low:.2f} / {mid:.2f} / {high:.2f}"
    rows = [
        ("model", f"{result.model_path} ({result.variant or 'as given'}: {result.model_dir})"),
        ("device / BLAS", f"{result.device} / {result.blas}"),
        ("mlx / mlx-lm", f"{result.mlx_version} / {result.mlx_lm_version}"),
        (
            "LoRA setup",
            f"rank {result.lora_rank}, {result.num_layers} layers, batch {result.batch_size}, "
            f"max seq {result.max_seq_length}, {result.trainable_parameters:,} trainable params",
        ),
        (
            "iterations",
            f"{result.num_iters} x {result.repeats} run(s), {result.untimed_iters} untimed each",
        ),
        ("model load", f"{result.load_seconds:.2f} s (not in s/iter)"),
        ("s/iter min / median / max", spread),
        ("tokens/s", f"{result.tokens_per_second:.1f}"),
        ("training loop total", f"{result.total_seconds:.1f} s"),
        (
            "peak memory: MLX / process RSS",
            f"{result.peak_memory_gb or 0:.2f} GB / {result.peak_rss_gb:.2f} GB",
        ),
    ]
    ui.table("Training benchmark", ("measure", "value"), rows)
    if result.speed_band:
        v = result.speed_band
        ui.result(
            f"speed band: [bold]{v.decision.upper()}[/bold] — {v.reason} "
            f"({v.seconds_per_iter:.2f} s/iter; 100 iters ≈ {v.projected_100_min:.1f} min, "
            f"1000 iters ≈ {v.projected_1000_min:.1f} min)"
        )


async def _measure(label: str, repeat: int, **kwargs: Any) -> BenchmarkResult:
    results = []
    settings: TrainSettings = kwargs["settings"]
    for index in range(repeat):
        name = label if repeat == 1 else f"{label} ({index + 1}/{repeat})"
        with ui.training_progress(settings.iters, name) as on_event:
            results.append(await run_training_benchmark(on_event=on_event, progress=ui.step, **kwargs))
    return combine_repeats(results, kwargs["thresholds"])


@app.command("train")
@train_options(defaults=BENCH_SETTINGS)
@launch_options()
def bench_train(
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Alias, MLX directory or cached hub id."),
    settings: dict[str, Any] | None = None,
    untimed: int = typer.Option(2, "--untimed", help="Iterations at the start excluded from timing."),
    repeat: int = typer.Option(1, "--repeat", help="Runs to combine (median over all timed iterations)."),
    data: Path | None = typer.Option(
        None, "--data", help="Dataset dir (default: data/benchmark or a dummy set)."
    ),
    compare: bool = typer.Option(
        False, "--compare", help="Also run with the reference BLAS and on the 4-bit base; print ratios."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the BenchmarkResult as JSON on stdout."),
    journal: Path | None = typer.Option(None, "--journal", "-j", help=JOURNAL_OPTION_HELP),
    device: str = typer.Option("auto", "--device", help="auto | cpu | gpu (auto: GPU when MLX sees one)."),
    shape: str | None = typer.Option(
        None, "--shape", help=f"Random weights of a named architecture: {', '.join(SHAPES)}."
    ),
    proceed_max: float = typer.Option(5.0, "--proceed-max", help="s/iter up to which the band is proceed."),
    usable_max: float = typer.Option(30.0, "--usable-max", help="s/iter up to which it is usable."),
    pivot_above: float = typer.Option(60.0, "--pivot-above", help="s/iter above which it is pivot."),
    launch: Launch = Launch(),
) -> None:
    """Time LoRA training on this machine and say whether it is fast enough to iterate."""
    training = dataclasses.replace(BENCH_SETTINGS, **(settings or {}))
    if untimed < 0:
        raise UsageError(f"--untimed must be 0 or more, got {untimed}")
    if repeat < 1:
        raise UsageError(f"--repeat must be at least 1, got {repeat}")
    if data is not None and not (data / "train.jsonl").is_file():
        raise UsageError(f"{data}: no train.jsonl in this dataset directory")
    try:
        thresholds = Thresholds(proceed_max, usable_max, pivot_above)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    check_request(device)
    if shape is not None:
        get_shape(shape)
        if compare:
            raise UsageError("--compare measures the embedded model; leave out --shape")
    common: dict[str, Any] = dict(
        device=device,
        shape=shape,
        model_path=model,
        settings=training,
        data_dir=data,
        untimed_iters=untimed,
        thresholds=thresholds,
        launch=launch,
    )
    result = asyncio.run(_measure("punie (tuned)", repeat, blas=find_blas(), **common))
    record_entry(journal, benchmark_entry(result))
    if not compare:
        ui.json_result(json.dumps(result.to_dict(), indent=2)) if json_out else _show(result)
        return
    named = [("punie: optimized BLAS, float32 base", result)]
    if find_blas().optimized:
        slow = asyncio.run(_measure("reference BLAS", repeat, blas=REFERENCE, **common))
        named.append(("reference BLAS (as installed), float32 base", slow))
    quant = asyncio.run(_measure("4-bit base", repeat, blas=find_blas(), quantized_base=True, **common))
    named.append(("optimized BLAS, 4-bit base", quant))
    if json_out:
        ui.json_result(json.dumps({name: r.to_dict() for name, r in named}, indent=2))
        return
    _show(result)
    ui.table(
        "Comparison (same model, data and LoRA settings)",
        ("variant", "tok/s", "s/iter", "vs first"),
        ratio_rows(named),
    )
