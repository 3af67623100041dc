"""`punie train DATA_DIR`: LoRA training with a live progress bar."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer

from punie.cli import ui
from punie.cli.journal_cmd import JOURNAL_OPTION_HELP, record_entry
from punie.cli.tracking import report_to_option, tracking_for
from punie.cli.train_options import launch_options, train_options
from punie.errors import UsageError
from punie.journal.entries import train_entry
from punie.runtime.device import check_request
from punie.track.payload import adapter_artifact, settings_params, training_metrics
from punie.track.tracker import RunInfo
from punie.train.config_file import read_train_config
from punie.train.launch import Launch
from punie.train.lora_config import LoRAConfig
from punie.train.methods import METHODS
from punie.train.runner import TrainingRun, run_training
from punie.train.settings import TRAIN_DEFAULTS


def _method(run: TrainingRun) -> str:
    if not METHODS[run.config.method].preference:
        return f"{run.config.method} on {run.config.data_dir}"
    config = run.config
    return f"{config.method} (beta {config.beta:g}, reference {config.reference}) on {config.data_dir}"


def _show(run: TrainingRun) -> None:
    last = run.train_curve[-1] if run.train_curve else None
    val = run.val_curve[-1] if run.val_curve else None
    rows = [
        ("adapter", str(run.adapter_dir)),
        ("method", _method(run)),
        (
            "iterations",
            f"{run.start_iteration + 1}-{run.config.iters} (rank {run.config.rank}, "
            f"scale {run.config.scale:g}, {run.config.num_layers} layers)",
        ),
        ("final train loss", f"{last.train_loss:.4f}" if last else "-"),
        ("final val loss", f"{val.val_loss:.4f}" if val else "-"),
        ("trained tokens/s", f"{run.tokens_per_second:.1f} on {run.device} (tokens the loss counts)"),
        *(
            [
                (
                    "all tokens/s",
                    f"≈ {run.all_tokens_per_second:.1f} (prompts too; --mask-prompt trains completions)",
                )
            ]
            if abs(run.all_tokens_per_second - run.tokens_per_second) > 0.05
            else []
        ),
        ("trainable parameters", f"{run.trainable_parameters:,}"),
        *([("processes", f"{run.world_size} (mlx.launch, {run.backend})")] if run.world_size > 1 else []),
        ("peak memory: MLX / RSS", f"{run.peak_memory_gb:.2f} GB / {run.peak_rss_gb:.2f} GB"),
        ("best checkpoint", run.best.name if run.best else "-"),
        ("metrics", str(run.metrics_path)),
    ]
    ui.table("Training run", ("measure", "value"), rows)
    ui.result(f"serve it: punie serve --adapter {run.adapter_dir}")


@train_options()
@launch_options()
def train(
    data_dir: Path | None = typer.Argument(
        None, help="Dataset dir (train.jsonl, valid.jsonl); or `data:` in --config."
    ),
    model: str | None = typer.Option(None, "--model", "-m", help="Alias, MLX directory or cached hub id."),
    settings: dict[str, Any] | None = None,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Adapter dir (default adapters/<data name>).", file_okay=False
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="YAML of punie's settings, or an mlx_lm.lora config as it is."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue from the latest checkpoint in --output."),
    journal: Path | None = typer.Option(None, "--journal", "-j", help=JOURNAL_OPTION_HELP),
    device: str = typer.Option("auto", "--device", help="auto | cpu | gpu (auto: GPU when MLX sees one)."),
    launch: Launch = Launch(),
    report_to: list[str] = report_to_option(),
) -> None:
    """Validate the dataset, then train a LoRA adapter on it (Ctrl-C keeps the latest weights)."""
    tracking = tracking_for(report_to)
    values: dict[str, Any] = read_train_config(config) if config else {}
    values.update(settings or {})
    if model is not None:
        values["model"] = model
    values["device"] = check_request(device)
    data = data_dir or values.get("data_dir")
    if data is None:
        raise UsageError("give the dataset directory (punie train DATA_DIR) or `data:` in --config")
    values["data_dir"] = METHODS[values.get("method", TRAIN_DEFAULTS["method"])].data_dir(Path(data))
    values["adapter_dir"] = output or values.get("adapter_dir") or Path("adapters") / data.name
    lora = LoRAConfig(**values)
    info = RunInfo(lora.adapter_dir.name, "train", settings_params(lora))
    with tracking.run(info) as tracked:
        with ui.training_progress(lora.iters, f"training {lora.adapter_dir.name}") as shown:
            on_event = tracked.beside(shown)
            result = asyncio.run(
                run_training(lora, resume=resume, on_event=on_event, progress=ui.step, launch=launch)
            )
        tracked.log_metrics(training_metrics(result))
        tracked.log_artifacts([adapter_artifact(result.adapter_dir)])
    _show(result)
    record_entry(journal, train_entry(result.adapter_dir.name, result.adapter_dir, result.record))
