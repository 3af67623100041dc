"""`punie fuse ADAPTER`: a standalone model from an adapter (and a quantized copy, and a GGUF)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import typer

from punie.cli import ui
from punie.cli.journal_cmd import JOURNAL_OPTION_HELP, record_entry
from punie.cli.options import UNSAFE_EXEC_HELP
from punie.errors import UsageError
from punie.eval.suite import BUILTIN
from punie.runtime.device import check_request
from punie.runtime.models import EMBEDDED, resolve_model
from punie.runtime.registry import check_free
from punie.ship.entry import fuse_entry, gguf_check_text
from punie.ship.fuse import CHECK_EVAL, CheckSettings, FuseResult, fuse_adapter
from punie.ship.plan import FusePlan, default_name, read_adapter


def _show(result: FuseResult) -> None:
    plan = result.plan
    rows = [(plan.name, "fused float", str(plan.float_dir))]
    if plan.quant_name:
        rows.append((plan.quant_name, f"{plan.quantize}-bit", str(plan.quant_dir)))
    if plan.gguf:
        rows.append(("-", "GGUF + Modelfile", str(plan.gguf_file)))
    ui.table(
        "Fused models (registered names work with serve, eval --model, experiments)",
        ("name", "kind", "path"),
        rows,
    )
    if result.gguf:
        ui.result(gguf_check_text(result.gguf))
    if result.equivalence is not None:
        ui.result(f"greedy equivalence: {result.equivalence.text()}")
    if result.quant_report is not None and result.float_report is not None:
        floats, quants = result.float_report.intervals(), result.quant_report.intervals()
        ui.table(
            f"{plan.quantize}-bit copy against the fused float model",
            ("category", "float", f"{plan.quantize}-bit", "paired test"),
            [
                (d.category, floats[d.category].text(), quants[d.category].text(), d.test.text())
                for d in result.quant_deltas
            ],
        )
        ui.result(result.quant_decision)
    if plan.gguf:
        ui.result(f"Ollama: cd {plan.gguf_file.parent} && ollama create {plan.name} -f Modelfile")


def fuse(
    adapter: Path = typer.Argument(
        ..., help="Adapter directory (punie train's --output, or runs/NAME/adapter)."
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Base model (default: the one it was trained on)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Output directory (default fused/NAME).", file_okay=False
    ),
    name: str | None = typer.Option(None, "--name", help="Registered name (default RUN-fused)."),
    force: bool = typer.Option(
        False, "--force", help="Re-point a registered name that another adapter's model holds."
    ),
    quantize: int | None = typer.Option(
        None, "--quantize", "-q", help="Also make a 4- or 8-bit copy and measure what it costs."
    ),
    gguf: bool = typer.Option(
        False, "--gguf", help="Also export a GGUF (llama-family models) and an Ollama Modelfile."
    ),
    suite: str = typer.Option(BUILTIN, "--suite", help="The suite the checks run on."),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Check greedy equivalence (and the quantized score) on --suite."
    ),
    per_category: int = typer.Option(0, "--per-category", help="Check prompts per category (0: all)."),
    max_tokens: int = typer.Option(
        CHECK_EVAL.sampling.max_tokens, "--max-tokens", help="Max tokens per answer in the checks."
    ),
    journal: Path | None = typer.Option(Path("JOURNAL.md"), "--journal", "-j", help=JOURNAL_OPTION_HELP),
    device: str = typer.Option("auto", "--device", help="auto | cpu | gpu (auto: GPU when MLX sees one)."),
    unsafe_exec: bool = typer.Option(False, "--unsafe-exec", help=UNSAFE_EXEC_HELP),
) -> None:
    """Fuse an adapter into its base model with mlx-lm, register it, and check it answers as before."""
    if per_category < 0:
        raise UsageError(f"--per-category must be 0 or more, got {per_category}")
    source = read_adapter(adapter, model)
    chosen = name or default_name(source.run_name)
    if chosen in EMBEDDED:
        raise UsageError(f"--name {chosen!r} is the embedded model's alias: choose another")
    base_dir = resolve_model(source.base_model, "train", progress=ui.step).path
    plan = FusePlan(source, base_dir, output or Path("fused") / chosen, chosen, quantize, gguf)
    check_free(
        (chosen, *((plan.quant_name,) if plan.quant_name else ())), str(source.adapter_dir.resolve()), force
    )
    checks = CheckSettings(
        suite=suite if check else None,
        per_category=per_category,
        device=check_request(device),
        eval=dataclasses.replace(CHECK_EVAL.with_sampling(max_tokens=max_tokens), unsafe_exec=unsafe_exec),
    )
    result = asyncio.run(fuse_adapter(plan, checks, ui.step))
    _show(result)
    record_entry(journal, fuse_entry(result))
