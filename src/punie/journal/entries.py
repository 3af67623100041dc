"""Pure builders: journal entries (and table rows) from what bench, train, eval and experiment produce."""

from __future__ import annotations

from pathlib import Path

from punie.eval.categories import label
from punie.eval.report import EvalReport, percent
from punie.journal.ledger import Entry, Row
from punie.train.benchmark import BenchmarkResult


def eval_row(report: EvalReport, step: str, dataset: str | None, notes: str = "") -> Row:
    scores: dict[str, float | None] = {"overall": report.overall_score, **report.score_by_category()}
    if not report.complete:
        causes = f", {report.incomplete_summary()}" if report.incomplete() else ""
        scored = len(report.scored())
        notes = f"incomplete: {scored}/{report.prompt_count} prompts scored{causes}. {notes}".strip()
    counts = {"overall": len(report.scored()), **report.scored_by_category()}
    return Row(
        step=step,
        dataset=dataset,
        adapter=report.adapter,
        scores=scores,
        notes=notes,
        labels=report.labels,
        counts=counts,
        suite=f"{report.suite_name}@{report.suite_hash[:8]}",
    )


def eval_results(report: EvalReport) -> list[str]:
    lines = [f"Overall {percent(report.overall_score)} (success rate {percent(report.success_rate)})"]
    lines += [f"{label(c, report.labels)}: {i.text()}" for c, i in report.intervals().items()]
    if report.call_sources():
        lines.append("Tool calls: " + ", ".join(f"{n} {k}" for k, n in report.call_sources().items()))
    if report.failure_classes():
        lines.append("Failures: " + ", ".join(f"{k} {n}" for k, n in report.failure_classes().items()))
    proof = report.adapter_proof
    if proof is not None:
        warn = " — NONE changed: adapter probably not applied" if proof.suspicious else ""
        lines.append(
            f"Adapter proof: {proof.changed}/{proof.compared} responses differ from the baseline{warn}"
        )
    if report.error:
        lines.append(f"Stopped early: {report.error}")
    if report.settings.get("engine"):
        lines.append(f"Engine: {report.settings['engine']}")
    if report.settings.get("held_out_of"):
        share = report.settings["held_out_of"]
        lines.append(f"Prompts: held out from a {share} selection share (the settings were chosen there)")
    if report.settings.get("unsafe_exec"):
        lines.append("UNSAFE: model-written code ran without OS isolation (--unsafe-exec)")
    return lines


def _model_name(run_record: dict[str, object]) -> str:
    """The model as the user named it (alias, directory or hub id), not its cache path."""
    config = run_record.get("config")
    named = config.get("model") if isinstance(config, dict) else None
    return str(named or run_record.get("model_dir"))


def eval_repro(
    report: EvalReport, report_dir: Path, dataset: str | None = None, dataset_hash: str | None = None
) -> dict[str, str | None]:
    return {
        "model": report.model,
        "adapter": report.adapter,
        "dataset": dataset,
        "dataset_sha256": dataset_hash,
        "mlx": report.versions.get("mlx"),
        "mlx_lm": report.versions.get("mlx-lm"),
        "engine": str(report.settings.get("engine") or "") or None,
        "xllamacpp": report.versions.get("xllamacpp"),
        "chat_template_sha256": report.chat_template_hash,
        "suite": f"{report.suite_name} ({report.suite_hash})",
        "eval_report": str(report_dir / "report.json"),
        "eval_html": str(report_dir / "report.html"),
    }


def eval_entry(
    report: EvalReport,
    report_dir: Path,
    step: str,
    dataset: str | None = None,
    dataset_hash: str | None = None,
) -> Entry:
    who = report.model + (f" + adapter {report.adapter}" if report.adapter else "")
    return Entry(
        kind="baseline" if report.adapter is None else "eval",
        step=step,
        title=f"Evaluation: {step}",
        goal=f"Score {who} on suite {report.suite_name}.",
        results=tuple(eval_results(report)),
        row=eval_row(report, step, dataset),
        repro=eval_repro(report, report_dir, dataset, dataset_hash),
    )


def benchmark_entry(result: BenchmarkResult, step: str = "Benchmark: Training Speed") -> Entry:
    band = result.speed_band
    results = [
        f"Seconds per iteration: {result.seconds_per_iter:.2f} (min {result.min_seconds_per_iter:.2f}, "
        f"max {result.max_seconds_per_iter:.2f}, {result.num_iters} iters, {result.untimed_iters} untimed)",
        f"Tokens per second: {result.tokens_per_second:.1f}",
        f"Total seconds: {result.total_seconds:.2f} (model load {result.load_seconds:.1f} s apart)",
        f"Peak memory: {result.peak_memory_gb or 0:.2f} GB (MLX), {result.peak_rss_gb:.2f} GB RSS",
        f"Device {result.device}, BLAS {result.blas}",
    ]
    decision = ""
    if band is not None:
        decision = (
            f"{band.decision} — {band.reason} (100 iters ≈ {band.projected_100_min:.1f} min, "
            f"1000 iters ≈ {band.projected_1000_min:.1f} min)"
        )
    return Entry(
        kind="benchmark",
        step=step,
        title=step,
        goal=f"Is LoRA training on {result.model_path} fast enough to iterate?",
        did=(
            f"batch {result.batch_size}, {result.num_layers} LoRA layers, rank {result.lora_rank}, "
            f"max sequence length {result.max_seq_length}",
        ),
        results=tuple(results),
        decision=decision,
        repro={
            "model": result.model_path,
            "model_dir": result.model_dir,
            "mlx": result.mlx_version,
            "mlx_lm": result.mlx_lm_version,
        },
    )


def train_entry(step: str, adapter_dir: Path, run_record: dict[str, object]) -> Entry:
    """From the `run.json` a training run leaves beside its adapter."""
    loss = run_record.get("final_train_loss")
    results = [f"Tokens per second: {float(str(run_record.get('tokens_per_second') or 0)):.1f}"]
    method = str(run_record.get("method") or "sft")
    if method != "sft":
        results.append(
            f"Method: {method} (beta {run_record.get('beta')}, reference {run_record.get('reference')})"
        )
    if loss is not None:
        results.append(f"Final train loss: {float(str(loss)):.3f}")
    if run_record.get("best_checkpoint"):
        results.append(f"Best checkpoint: {run_record['best_checkpoint']}")
    if int(str(run_record.get("world_size") or 1)) > 1:
        results.append(
            f"Processes: {run_record['world_size']} (mlx.launch, backend {run_record.get('backend')})"
        )
    return Entry(
        kind="train",
        step=step,
        title=f"Training: {step}",
        goal=f"Train a LoRA adapter on {run_record.get('dataset')}.",
        results=tuple(results),
        repro={
            "model": _model_name(run_record),
            "dataset": str(run_record.get("dataset")),
            "dataset_sha256": str(run_record.get("dataset_sha256")),
            "method": method,
            "adapter": str(adapter_dir),
            "mlx": str(run_record.get("mlx")),
            "mlx_lm": str(run_record.get("mlx_lm")),
            "chat_template_sha256": str(run_record.get("chat_template_sha256")),
            "metrics": str(run_record.get("metrics")),
        },
    )
