"""`run_training`: validate the data, train in a child process, report what came out."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.data.dataset_check import chat_token_counter, mask_prompt_warning, validate_dataset
from punie.data.formats import example_format
from punie.data.jsonl_io import dataset_examples, dataset_hash
from punie.errors import UsageError
from punie.runtime.adapter_files import ADAPTER_CONFIG
from punie.runtime.atomic import remove_stale_temps, write_json_atomic
from punie.runtime.device import resolve_device
from punie.runtime.models import resolve_model
from punie.train.checkpoints import (
    ResumePoint,
    best_checkpoint,
    check_resume,
    checkpoints,
    latest_checkpoint,
    safetensors_problem,
)
from punie.train.child_runner import EventHandler, run_training_child, training_command
from punie.train.events import (
    TOKENS_PER_SECOND,
    TrainReport,
    ValReport,
    read_events,
    summarize,
    training_tokens_per_second,
)
from punie.train.launch import Launch, check_batches
from punie.train.lora_config import SPEC_FILE, LoRAConfig, build_train_spec, preference_args
from punie.train.methods import METHODS
from punie.train.shapes import model_parameters


@dataclass(frozen=True)
class TrainingRun:
    config: LoRAConfig
    adapter_dir: Path
    metrics_path: Path
    command: tuple[str, ...]
    train_curve: tuple[TrainReport, ...]
    val_curve: tuple[ValReport, ...]
    tokens_per_second: float
    all_tokens_per_second: float
    trainable_parameters: int
    peak_memory_gb: float
    peak_rss_gb: float
    device: str
    mlx_version: str
    mlx_lm_version: str
    template_hash: str | None
    best: Path | None = None
    resumed_from: Path | None = None
    start_iteration: int = 0
    world_size: int = 1  # processes under mlx.launch
    backend: str = "none"
    record: dict[str, Any] = dataclasses.field(default_factory=dict)  # what run.json holds


RUN_RECORD = "run.json"
OPTIMIZER_STATE = (
    "not saved: mlx_lm.lora's train_model builds its optimizer inside and saves only the adapter "
    "weights, so a resumed run starts with fresh optimizer moments, its learning-rate schedule "
    "from the start, and the data order of a new run with the same seed"
)


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)


def resume_point(adapter_dir: Path, config: LoRAConfig) -> ResumePoint:
    """The newest complete checkpoint to continue from; refuse when none loads or when the run is
    already at `--iters` (the total, as in a fresh run: resuming never trains past it)."""
    point = latest_checkpoint(adapter_dir)
    if point is None:
        torn = [f"{p.name}: {safetensors_problem(p)}" for p in sorted(checkpoints(adapter_dir).values())]
        detail = f" (unusable: {'; '.join(torn)})" if torn else ""
        raise UsageError(
            f"--resume: no complete checkpoint in {adapter_dir}{detail}; "
            "run again without --resume to start over"
        )
    if point.iteration >= config.iters:
        raise UsageError(
            f"--resume: {point.path.name} is already at iteration {point.iteration} and --iters is "
            f"{config.iters} (the total); raise --iters to train further"
        )
    return point


def split_sizes_problem(data_dir: Path, batch_size: int, validates: bool) -> str | None:
    """Pure but for counting lines: mlx-lm needs at least `batch_size` examples in each split it
    batches (train; valid when validation runs). Checked before any model loads."""
    splits = ["train", "valid"] if validates else ["train"]
    for split in splits:
        path = data_dir / f"{split}.jsonl"
        if not path.is_file():
            continue
        with path.open("rb") as handle:
            count = sum(1 for line in handle if line.strip())
        if count < batch_size:
            return (
                f"{path}: {count} example(s) in the {split} split, fewer than --batch-size {batch_size}: "
                f"add examples or lower --batch-size to {max(count, 1)}"
            )
    return None


def method_format_problem(data_dir: Path, method: str) -> str | None:
    """Pure but for reading one line: why `method` cannot train on `data_dir`'s training split
    (its first example is in a format the method does not read), or None."""
    wanted = METHODS[method]
    for _, number, example in dataset_examples(data_dir, ("train",)):
        kind = example_format(example)
        if kind is not None and kind not in wanted.formats:
            return (
                f"{data_dir / 'train.jsonl'}:{number}: a {kind} example, but --method {method} trains on "
                f"{' or '.join(wanted.formats)} data"
                + (" (`punie dataset sample` writes pairs to DIR/pairs)" if wanted.preference else "")
            )
        return None
    return None


def check_dataset(data_dir: Path, model_dir: Path, max_seq_length: int) -> str | None:
    """Validate `data_dir` as training will see it (refuse on errors); return the template hash."""
    counter, template = chat_token_counter(model_dir)
    report = validate_dataset(data_dir, counter, max_seq_length, template)
    if report.errors:
        shown = "\n".join(str(f) for f in report.errors[:10])
        more = f"\n... and {len(report.errors) - 10} more" if len(report.errors) > 10 else ""
        raise UsageError(f"the dataset has {len(report.errors)} error(s); fix them first:\n{shown}{more}")
    return report.template_hash


async def run_training(
    config: LoRAConfig,
    resume: bool = False,
    on_event: EventHandler | None = None,
    progress: Callable[[str], None] | None = None,
    launch: Launch | None = None,
) -> TrainingRun:
    """Train `config` to the end (or resume its latest checkpoint) and return the outcome; with
    `launch`, on several ranks through mlx.launch (config.batch_size is the global batch)."""
    launch = launch or Launch()
    check_batches(launch, config.batch_size)
    if mismatch := method_format_problem(config.data_dir, config.method):
        raise UsageError(mismatch)
    sizes = split_sizes_problem(config.data_dir, config.batch_size, config.val_batches != 0)
    if sizes:
        raise UsageError(sizes)
    model_dir = resolve_model(config.model, "train", progress=progress).path
    template = check_dataset(config.data_dir, model_dir, config.max_seq_length)
    if config.mask_prompt and (hidden := mask_prompt_warning(config.data_dir)):
        _say(progress, f"warning: {hidden}")
    adapter_dir = config.adapter_dir
    stale = remove_stale_temps(adapter_dir)
    if stale:
        _say(progress, f"removed {len(stale)} temp file(s) of a write cut short: {', '.join(stale)}")
    point = resume_point(adapter_dir, config) if resume else None
    if point is None and (adapter_dir / ADAPTER_CONFIG).exists() and latest_checkpoint(adapter_dir):
        raise UsageError(
            f"{adapter_dir} already holds an adapter: use --resume to continue it, or another --output"
        )
    planned = build_train_spec(config, model_dir)["lora_args"]
    if config.init_adapter:
        if Path(config.init_adapter).resolve() == adapter_dir.resolve():
            raise UsageError(f"--init-adapter {config.init_adapter} is this run's --output: use --resume")
        check_resume(Path(config.init_adapter), planned, "--init-adapter")
    if point is not None:
        check_resume(adapter_dir, planned)
        for line in point.skipped:
            _say(progress, f"--resume skips {line}")
        _say(progress, f"resuming from {point.path.name} (iteration {point.iteration} of {config.iters})")
    spec = build_train_spec(
        config,
        model_dir,
        point.path if point else None,
        device=resolve_device(config.device),
        start_iteration=point.iteration if point else 0,
        parameters=model_parameters(model_dir),
    )
    command = training_command(adapter_dir / SPEC_FILE)
    if launch.distributed:
        _say(progress, f"training on {launch.describe()} (mlx.launch)")
    run = await run_training_child(
        spec, adapter_dir, on_event=on_event, spec_name=SPEC_FILE, append_events=resume, launch=launch
    )
    summary = run.summary
    # The whole adapter's history: a resumed run's checkpoints compete with the earlier ones.
    history = summarize(read_events(run.events_path)) if resume else summary
    best = best_checkpoint(history.checkpoint_val, checkpoints(adapter_dir))
    if best is not None:
        write_json_atomic(
            adapter_dir / "best.json", {"iteration": best[0], "val_loss": best[1], "checkpoint": best[2].name}
        )
    result = TrainingRun(
        config=config,
        adapter_dir=adapter_dir,
        metrics_path=run.events_path,
        command=tuple(command),
        train_curve=summary.train,
        val_curve=summary.val,
        tokens_per_second=training_tokens_per_second(summary.train),
        all_tokens_per_second=training_tokens_per_second(summary.train) * summary.all_token_ratio,
        trainable_parameters=summary.trainable_parameters or 0,
        peak_memory_gb=summary.peak_memory_gb or 0.0,
        peak_rss_gb=run.peak_rss_gb,
        device=summary.device,
        mlx_version=summary.mlx,
        mlx_lm_version=summary.mlx_lm,
        template_hash=template,
        best=best[2] if best else None,
        resumed_from=point.path if point else None,
        start_iteration=point.iteration if point else 0,
        world_size=summary.world_size,
        backend=summary.backend,
    )
    record = run_record(result, model_dir)
    write_json_atomic(adapter_dir / RUN_RECORD, record)
    return dataclasses.replace(result, record=record)


def run_record(run: TrainingRun, model_dir: Path) -> dict[str, Any]:
    """What `run.json` beside the adapter holds: what reproduces it (command, data hash, template,
    versions)."""
    return {
        "command": list(run.command),
        "config": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(run.config).items()
        },
        "model_dir": str(model_dir),
        "method": run.config.method,
        **(preference_args(run.config) or {}),
        "dataset": str(run.config.data_dir),
        "dataset_sha256": dataset_hash(run.config.data_dir),
        "chat_template_sha256": run.template_hash,
        "mlx": run.mlx_version,
        "mlx_lm": run.mlx_lm_version,
        "device": run.device,
        "world_size": run.world_size,
        "backend": run.backend,
        "tokens_per_second": run.tokens_per_second,
        "all_tokens_per_second": run.all_tokens_per_second,
        "tokens_per_second_means": TOKENS_PER_SECOND,
        "trainable_parameters": run.trainable_parameters,
        "final_train_loss": run.train_curve[-1].train_loss if run.train_curve else None,
        "best_checkpoint": run.best.name if run.best else None,
        "init_adapter": run.config.init_adapter,  # the adapter it started from (DPO after SFT)
        "resumed_from": str(run.resumed_from) if run.resumed_from else None,
        "start_iteration": run.start_iteration,
        "optimizer_state": OPTIMIZER_STATE,
        "metrics": str(run.metrics_path),
    }


def read_run_record(adapter_dir: Path) -> dict[str, Any] | None:
    """The run.json an earlier training left beside its adapter (None: there is none); a damaged
    one is a usage error naming its line, as every other JSON file punie reads."""
    path = adapter_dir / RUN_RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); train again with --force"
        ) from None
    if not isinstance(record, dict):
        raise UsageError(f"{path}:1: not a training record (a JSON object); train again with --force")
    return record
