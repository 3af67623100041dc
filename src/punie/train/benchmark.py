"""Training-speed benchmark (seed Phase 12.4): `run_training_benchmark` -> `BenchmarkResult`."""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from punie.data.dummy import create_dummy_dataset
from punie.runtime.blas import BlasChoice, find_blas
from punie.runtime.device import resolve_device
from punie.runtime.models import DEFAULT_MODEL, ResolvedModel, resolve_model
from punie.train.child_runner import EventHandler, run_training_child
from punie.train.events import aggregate_tokens_per_second
from punie.train.launch import Launch, check_batches
from punie.train.lora_config import LoRAConfig, default_dtype, lora_args, report_every
from punie.train.settings import TrainSettings
from punie.train.shapes import get_shape, model_parameters
from punie.train.speed_bands import SpeedBand, Thresholds, speed_band

__all__ = ["BenchmarkResult", "create_dummy_dataset", "run_training_benchmark"]

DEFAULT_DATA_DIR = Path("data/benchmark")
# What a benchmark changes from punie's one set of training settings: a few iterations (the
# seed's 10) on the short examples of a benchmark dataset.
BENCH_SETTINGS = TrainSettings(iters=10, max_seq_length=512)


@dataclass(frozen=True)
class BenchmarkResult:
    """One training-speed measurement. The seed's five fields come first.

    `seconds_per_iter` is the median over the timed iterations (the first `untimed_iters` excluded);
    `total_seconds` is the training loop's wall time, all iterations, validation and model load
    excluded (`load_seconds` holds the load). `peak_memory_gb` is MLX's own peak;
    `peak_rss_gb` is the child process tree's peak resident memory, sampled from outside.
    """

    model_path: str
    seconds_per_iter: float
    total_seconds: float
    num_iters: int
    peak_memory_gb: float | None
    tokens_per_second: float = 0.0
    load_seconds: float = 0.0
    untimed_iters: int = 0
    min_seconds_per_iter: float = 0.0
    max_seconds_per_iter: float = 0.0
    peak_rss_gb: float = 0.0
    batch_size: int = 0
    num_layers: int = 0
    lora_rank: int = 0
    max_seq_length: int = 0
    model_dir: str = ""
    variant: str = ""
    device: str = ""
    blas: str = ""
    mlx_version: str = ""
    mlx_lm_version: str = ""
    trainable_parameters: int = 0
    # one entry per report: a window of `report_steps` iterations (see report_every)
    iteration_seconds: tuple[float, ...] = ()
    iteration_tokens_per_second: tuple[float, ...] = ()
    report_steps: tuple[int, ...] = ()
    repeats: int = 1
    speed_band: SpeedBand | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def window_steps(self) -> tuple[int, ...]:
        """Iterations behind each report (one each for results written before reports had windows)."""
        return self.report_steps or (1,) * len(self.iteration_seconds)

    def timed_reports(self) -> list[int]:
        """Indexes of the reports whose window starts after the untimed iterations (all when none does)."""
        return after_untimed(self.window_steps, self.untimed_iters)

    def timed_duration(self) -> float:
        """Seconds of training in the timed reports' windows."""
        return sum(self.iteration_seconds[i] * self.window_steps[i] for i in self.timed_reports())


def after_untimed(window_steps: Sequence[int], untimed: int) -> list[int]:
    """Pure: indexes of the report windows (of these lengths, from iteration 1) that start after
    the first `untimed` iterations; all of them when none does."""
    starts = [end - n for end, n in zip(accumulate(window_steps), window_steps, strict=True)]
    return [i for i, start in enumerate(starts) if start >= untimed] or list(range(len(window_steps)))


def _spec(
    settings: TrainSettings, model_dir: Path, data_dir: Path, adapter_dir: Path, device: str, untimed: int,
    parameters: int | None,
) -> dict[str, Any]:  # fmt: skip
    """The child's spec through the same `LoRAConfig` and builder as `punie train`: one set of
    settings and defaults, so a benchmark times the training users run."""
    iters = settings.iters
    # Reports far enough apart to cost little (report_every), close enough that at least two
    # windows follow the untimed iterations: the benchmark's per-iteration figures are per window.
    wanted = report_every(settings.steps_per_report, device, parameters)
    report = wanted if settings.steps_per_report else max(1, min(wanted, (iters - untimed) // 2))
    timed = dataclasses.replace(
        settings,
        steps_per_eval=iters + 1,  # the trainer still validates at the first and last step
        save_every=iters + 1,  # past the end: a benchmark saves only its last step
        val_batches=1,
        steps_per_report=report,
    )
    config = LoRAConfig.of(timed, data_dir=data_dir, adapter_dir=adapter_dir)
    return {
        "model": str(model_dir),
        "device": device,
        "dtype": default_dtype(device, settings.dtype),
        "lora_args": lora_args(config, device=device, parameters=parameters),
    }


async def run_training_benchmark(
    model_path: str,
    num_iters: int | None = None,
    *,
    settings: TrainSettings = BENCH_SETTINGS,
    untimed_iters: int = 2,
    data_dir: Path | None = None,
    quantized_base: bool = False,
    blas: BlasChoice | None = None,
    device: str = "auto",
    shape: str | None = None,
    tokenizer_dir: Path | None = None,
    thresholds: Thresholds = Thresholds(),
    on_event: EventHandler | None = None,
    progress: Callable[[str], None] | None = None,
    launch: Launch | None = None,
) -> BenchmarkResult:
    """Train a LoRA adapter with `settings` (for `num_iters` iterations when given: the seed's
    argument) in a child process and time it, the first `untimed_iters` iterations excluded.

    `model_path` is an alias, an MLX directory or a cached hub id. The embedded alias trains its
    float32 variant (the 4-bit one with `quantized_base=True`). Without `data_dir`, the seed's
    `data/benchmark` is used when it exists, else a dummy dataset in a temporary directory.
    """
    if num_iters is not None:
        if num_iters < 1:
            raise ValueError("num_iters must be at least 1")
        settings = dataclasses.replace(settings, iters=num_iters)
    num_iters, batch_size = settings.iters, settings.batch_size
    if launch is not None:
        check_batches(launch, batch_size)
    chosen = resolve_device(device)
    if shape is not None:
        get_shape(shape)  # an unknown name fails here, before any child starts
        model_path = DEFAULT_MODEL  # the embedded model lends its tokenizer to the random weights
    if shape is not None and tokenizer_dir is not None:  # ... or a directory of tokenizer files
        resolved = ResolvedModel(name=str(tokenizer_dir), path=tokenizer_dir)
    else:
        resolved = resolve_model(model_path, "serve" if quantized_base else "train", progress=progress)
    blas = find_blas() if blas is None else blas
    untimed = min(untimed_iters, num_iters - 1)
    with tempfile.TemporaryDirectory(prefix="punie-bench-") as tmp:
        work = Path(tmp)
        if data_dir is None:
            data_dir = DEFAULT_DATA_DIR if (DEFAULT_DATA_DIR / "train.jsonl").is_file() else work / "data"
            if data_dir == work / "data":
                create_dummy_dataset(data_dir, num_examples=max(batch_size, 5))
        parameters = get_shape(shape).parameters if shape else model_parameters(resolved.path)
        spec = _spec(settings, resolved.path, data_dir, work / "adapter", chosen, untimed, parameters)
        spec["shape"] = shape
        run = await run_training_child(spec, work, blas=blas, on_event=on_event, launch=launch)
    summary = run.summary
    per_iter = tuple(report.seconds_per_iter for report in summary.train)
    # the windows that start after the warm-up (one report a window: see report_every)
    timed_reports = [summary.train[i] for i in after_untimed([r.steps for r in summary.train], untimed)]
    timed = tuple(report.seconds_per_iter for report in timed_reports)
    median = statistics.median(timed)
    load = summary.load_seconds or 0.0
    return BenchmarkResult(
        model_path=f"random weights, shape {shape}" if shape else model_path,
        seconds_per_iter=median,
        total_seconds=sum(r.seconds for r in summary.train),
        num_iters=num_iters,
        peak_memory_gb=summary.peak_memory_gb,
        tokens_per_second=aggregate_tokens_per_second(timed_reports),
        load_seconds=load,
        untimed_iters=untimed,
        min_seconds_per_iter=min(timed),
        max_seconds_per_iter=max(timed),
        peak_rss_gb=run.peak_rss_gb,
        batch_size=batch_size,
        num_layers=settings.num_layers,
        lora_rank=settings.rank,
        max_seq_length=settings.max_seq_length,
        model_dir=str(resolved.path),
        variant=resolved.variant or "",
        device=summary.device,
        blas=blas.name,
        mlx_version=summary.mlx,
        mlx_lm_version=summary.mlx_lm,
        trainable_parameters=summary.trainable_parameters or 0,
        iteration_seconds=per_iter,
        iteration_tokens_per_second=tuple(r.tokens_per_second for r in summary.train),
        report_steps=tuple(r.steps for r in summary.train),
        speed_band=speed_band(median, load, thresholds),
    )
