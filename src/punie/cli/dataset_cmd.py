"""`punie dataset validate | render | stats | filter | merge | split | generate | lint`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer

from punie.cli import ui
from punie.data.contamination import NGRAM, dataset_overlaps
from punie.data.dataset_check import chat_token_counter, validate_dataset
from punie.data.filters import run_filters
from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import read_dataset, write_dataset
from punie.data.ops import merge_examples, parse_ratio, split_examples, split_stats
from punie.data.render import render_pairs
from punie.data.replay import REPLAY_PROMPTS, collect_replay, mix_replay
from punie.errors import UsageError
from punie.eval.suite import BUILTIN
from punie.eval.suite_load import load_suite
from punie.runtime.models import DEFAULT_MODEL, resolve_model
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.process import ServerProcess

app = typer.Typer(help="Validate, inspect and build chat datasets.", no_args_is_help=True)
MODEL = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Model whose tokenizer and chat template to use.")


@app.command("validate")
def validate(
    directory: Path = typer.Argument(..., help="Dataset dir with train.jsonl, valid.jsonl[, test.jsonl]."),
    model: str = MODEL,
    max_seq_length: int = typer.Option(2048, "--max-seq-length", help="Longer examples are errors."),
) -> None:
    """Report every problem with file, line and field; exit 2 on errors, 0 with warnings only."""
    counter, template = chat_token_counter(resolve_model(model, "train", progress=ui.step).path)
    report = validate_dataset(directory, counter, max_seq_length, template)
    for finding in report.findings:
        (ui.error if finding.severity == "error" else ui.warn)(str(finding))
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    ui.result(
        f"{directory}: {counts or 'no splits'}; {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s); chat template {report.template_hash}"
    )
    if report.errors:
        raise typer.Exit(2)


@app.command("render")
def render(
    directory: Path = typer.Argument(...),
    model: str = MODEL,
    n: int = typer.Option(3, "-n", help="How many training examples to show."),
) -> None:
    """Show training examples rendered as training sees them, beside the eval request for the same tools."""
    splits = read_dataset(directory)
    model_dir = resolve_model(model, "train", progress=ui.step).path
    pairs = render_pairs(splits.get("train", []), model_dir, n)
    for index, pair in enumerate(pairs, start=1):
        ui.result(f"[bold]── example {index}: training text ──[/bold]")
        ui.raw(pair.training)
        ui.result(
            f"[bold]── example {index}: eval request for the same tools (the model continues here) ──[/bold]"
        )
        ui.raw(pair.eval_prompt)
        ui.result(
            f"prefix match: {'yes' if pair.prefix_matches else 'NO: training and eval render differently'}\n"
        )
    if pairs:
        ui.result(f"chat template sha256 (first 16): {pairs[0].template_hash}")


@app.command("stats")
def stats(
    directory: Path = typer.Argument(...), model: str = MODEL, json_out: bool = typer.Option(False, "--json")
) -> None:
    """Examples per split, messages per example, token percentiles, tool calls by tool, categories."""
    splits = read_dataset(directory)
    counter, _ = chat_token_counter(resolve_model(model, "train", progress=ui.step).path)
    data = {name: split_stats(rows, counter) for name, rows in splits.items()}
    if json_out:
        ui.json_result(json.dumps(data, indent=2))
        return
    for name, s in data.items():
        tokens = s.get("tokens_per_example", {})
        rows = [
            ("examples", str(s["examples"])),
            ("messages per example", f"{s['messages_per_example']:.1f}"),
            (
                "tokens p50 / p90 / max",
                f"{tokens.get('p50', 0):.0f} / {tokens.get('p90', 0):.0f} / {tokens.get('max', 0):.0f}",
            ),
            (
                "tool calls by tool",
                ", ".join(f"{k} {v}" for k, v in s["tool_calls_by_tool"].items()) or "none",
            ),
            ("examples without a tool call", str(s["no_tool_examples"])),
        ]
        if "categories" in s:
            rows.append(("categories", ", ".join(f"{k} {v}" for k, v in s["categories"].items())))
        ui.table(f"{directory} / {name}", ("measure", "value"), rows)


@app.command("filter")
def filter_cmd(
    directory: Path = typer.Argument(...),
    output: Path = typer.Option(
        ..., "--output", "-o", help="New directory for the filtered dataset.", file_okay=False
    ),
    language: str | None = typer.Option(None, "--language", help="Keep only this code language (python)."),
    python3: bool = typer.Option(False, "--python3", help="Drop examples with Python 2 idioms."),
    min_chars: int | None = typer.Option(None, "--min-quality", help="Drop final answers shorter than this."),
    dedupe: float | None = typer.Option(
        None, "--dedupe", help="Drop exact and near duplicates (similarity, e.g. 0.9)."
    ),
) -> None:
    """Filter every split into a new directory; report kept/removed counts with samples."""
    splits = read_dataset(directory)
    out = {}
    for name, rows in splits.items():
        try:
            out[name], reports = run_filters(rows, language, python3, min_chars, dedupe)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        for report in reports:
            ui.result(f"{name}: {report.name}: kept {report.kept}, removed {report.removed}")
            for sample in report.samples:
                ui.info(f"    removed: {sample}")
    write_dataset(output, out)
    ui.result(f"wrote {output}")


@app.command("merge")
def merge(
    first: Path = typer.Argument(...),
    second: Path = typer.Argument(...),
    output: Path = typer.Option(..., "--output", "-o", file_okay=False),
    ratio: str = typer.Option("1:1", "--ratio", help="A:B weights (2:1) or A's share (0.7)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Mix two datasets split by split in a fixed proportion."""
    try:
        weights = parse_ratio(ratio)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    a, b = read_dataset(first), read_dataset(second)
    out = {name: merge_examples(a.get(name, []), b.get(name, []), weights, seed) for name in set(a) | set(b)}
    write_dataset(output, out)
    ui.result(f"wrote {output}: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(out.items())))


@app.command("split")
def split(
    source: Path = typer.Argument(..., help="A JSONL file, or a dataset dir whose splits are pooled."),
    output: Path = typer.Option(..., "--output", "-o", file_okay=False),
    valid: float = typer.Option(0.1, "--valid"),
    test: float = typer.Option(0.1, "--test"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Shuffle and split into train/valid/test in a new directory."""
    from punie.data.jsonl_io import read_split

    rows = read_split(source) if source.is_file() else [r for v in read_dataset(source).values() for r in v]
    try:
        parts = split_examples(rows, valid, test, seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    write_dataset(output, parts)
    ui.result(f"wrote {output}: " + ", ".join(f"{k} {len(v)}" for k, v in parts.items()))


@app.command("generate")
def generate(
    kind: str = typer.Argument(..., help="What to generate: tool-calling."),
    n: int = typer.Option(60, "--n", help="Number of examples in all."),
    seed: int = typer.Option(0, "--seed"),
    output: Path = typer.Option(..., "--output", "-o", file_okay=False),
    valid: float = typer.Option(0.1, "--valid"),
    test: float = typer.Option(0.1, "--test"),
    replay: float = typer.Option(
        0.0,
        "--replay",
        help="Replay examples per generated one: the base model's own answers to general, code and "
        "reasoning requests (self-distillation against forgetting), generated through the server.",
    ),
    model: str = MODEL,
) -> None:
    """Generate a tool-calling dataset for the agent's tools (read_file, write_file, run_command, no tool)."""
    if kind != "tool-calling":
        raise UsageError(f"unknown generator {kind!r}: available: tool-calling")
    if n < 3:
        raise UsageError("--n must be at least 3 (one example per split)")
    if not 0 <= replay <= 10:
        raise UsageError(f"--replay must be from 0 to 10 (replay examples per generated one), got {replay}")
    if output.exists() and any(output.iterdir()):
        raise UsageError(f"{output} already exists and is not empty: choose a new --output")
    rows = generate_tool_calling(n, seed)
    if replay:
        answers = asyncio.run(replay_answers(model))
        ui.step(f"replay: kept {len(answers)} complete answers of the base model")
        rows = mix_replay(rows, answers, replay, seed)
    try:
        parts = split_examples(rows, valid, test, seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    write_dataset(output, parts)
    ui.result(f"wrote {output}: " + ", ".join(f"{k} {len(v)}" for k, v in parts.items()))


async def replay_answers(model: str) -> list[dict[str, Any]]:
    """The base model's answers to the replay requests, through a managed server."""
    async with ServerProcess(ServerConfig(model_path=model, port=0)) as server:
        with ui.counting_progress(len(REPLAY_PROMPTS), "replay answers") as advance:
            return await collect_replay(
                server.endpoint(),
                SERVED_MODEL_NAME,
                on_answer=lambda prompt, kept: advance("kept" if kept else "dropped (cut or a tool call)"),
            )


@app.command("lint")
def lint(
    data_dir: Path = typer.Argument(..., help="Dataset directory (train/valid/test.jsonl)."),
    suite: str = typer.Option(BUILTIN, "--suite", help="The eval suite it must not leak into."),
    ngram: int = typer.Option(NGRAM, "--ngram", help="Shared words that count as an overlap."),
) -> None:
    """Find training examples that overlap an eval prompt (same text, or a shared n-gram): exit 1 if any."""
    if ngram < 3:
        raise UsageError("--ngram must be at least 3")
    if not data_dir.is_dir():
        raise UsageError(f"{data_dir}: no such dataset directory")
    overlaps = dataset_overlaps(data_dir, load_suite(suite).prompts, ngram)
    for overlap in overlaps:
        ui.result(str(overlap))
    if overlaps:
        ui.error(
            f"{len(overlaps)} training example(s) overlap suite {suite}: a pass on them may be memorised"
        )
        raise typer.Exit(1)
    ui.result(f"{data_dir}: no example overlaps suite {suite} (exact text or {ngram} shared words)")
