"""`punie dataset sample`: K scored answers per prompt, as on-policy SFT data, preference pairs
and pass@K (punie.data.sampling)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from punie.cli import ui
from punie.cli.options import ENGINE_HELP
from punie.data.generated_prompts import generated_prompts
from punie.data.sampling import SampleConfig, SampleResult, sample
from punie.errors import UsageError
from punie.eval.categories import label
from punie.eval.client import SamplingSettings
from punie.eval.score import EvalResult
from punie.eval.suite import BUILTIN, first_per_category
from punie.eval.suite_load import load_suite
from punie.runtime.models import DEFAULT_MODEL
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.endpoint import endpoints_from_flags

PROMPT_SOURCES = ("suite", "generator", "both")


def sample_command(
    output: Path = typer.Option(
        ..., "--output", "-o", help="A new directory: sft/, pairs/, samples/, sample.json."
    ),
    suite: str = typer.Option(BUILTIN, "--suite", help="Where the prompts come from."),
    per_category: int = typer.Option(0, "--per-category", help="Only the first N prompts of each category."),
    k: int = typer.Option(4, "--k", help="Answers sampled per prompt."),
    temperature: float = typer.Option(0.8, "--temperature"),
    top_p: float = typer.Option(1.0, "--top-p"),
    max_tokens: int = typer.Option(256, "--max-tokens"),
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="The model that writes the answers."),
    adapter: Path | None = typer.Option(None, "--adapter", help="... with this adapter."),
    engine: str = typer.Option("auto", "--engine", help=ENGINE_HELP),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Sample from any OpenAI-compatible server instead (a stronger teacher)."
    ),
    api_key_env: str | None = typer.Option(None, "--api-key-env", help="The variable holding its key."),
    served_name: str = typer.Option(
        SERVED_MODEL_NAME, "--served-model-name", help="The model name it serves."
    ),
    select_share: float = typer.Option(
        0.5,
        "--select-share",
        help="Sample only this share of each category (the selection split): the rest scores the result.",
    ),
    allow_overlap: bool = typer.Option(
        False, "--allow-overlap", help="Sample the held-out prompts too (recorded in sample.json)."
    ),
    concurrency: int = typer.Option(16, "--concurrency", help="Prompts in flight per sample."),
    prompts_from: str = typer.Option(
        "suite",
        "--prompts",
        help="suite (its selection share) | generator (punie's training-prompt generator: the requests "
        "`dataset generate` and the demo train on, writes included; the suite then only checks "
        "overlap) | both.",
    ),
    generated: int = typer.Option(
        60, "--generated", help="Distinct generated requests (with --prompts generator|both)."
    ),
    generator_seed: int = typer.Option(0, "--generator-seed", help="The generator's seed."),
    with_reference: bool = typer.Option(
        False,
        "--reference-pairs",
        help="Also pair each tool-calling prompt no sample passed: its reference call (the one its "
        "scorer expects, checked to pass) chosen against a failing answer's first turn.",
    ),
) -> None:
    """Sample K answers per prompt, score each with punie's scorer, and write the passing ones as
    SFT data (sft/), passing-vs-failing pairs of one prompt as preference data (pairs/), and pass@1
    and pass@K per category."""
    if output.exists() and any(output.iterdir()) and not (output / "samples").is_dir():
        raise UsageError(f"{output} already exists and is not empty: choose a new --output")
    if prompts_from not in PROMPT_SOURCES:
        raise UsageError(f"--prompts must be one of {', '.join(PROMPT_SOURCES)}, got {prompts_from!r}")
    if generated < 1:
        raise UsageError(f"--generated must be at least 1, got {generated}")
    prompts = first_per_category(load_suite(suite), per_category or None)
    requests = generated_prompts(generated, generator_seed) if prompts_from != "suite" else ()
    endpoint = None
    server = None
    if base_url is not None:
        if adapter is not None:
            raise UsageError("--adapter needs punie's managed server: drop --base-url")
        (endpoint,) = endpoints_from_flags([base_url], api_key_env, [], concurrency)
    else:
        adapter_path = str(adapter) if adapter else None
        server = ServerConfig(model_path=model, port=0, adapter_path=adapter_path, engine=engine)
    config = SampleConfig(
        prompts,
        output,
        k,
        SamplingSettings(temperature, top_p, max_tokens),
        server,
        endpoint,
        served_name,
        select_share,
        allow_overlap,
        concurrency,
        requests,
        from_suite=prompts_from != "generator",
        reference_pairs=with_reference,
    )
    total = len(config.prompts().prompts) * k
    ui.step(f"sampling {k} answers to each of {len(config.prompts().prompts)} prompts -> {output}")
    passed = [0, 0]

    with ui.counting_progress(total, "samples") as advance:

        def on_result(result: EvalResult) -> None:
            passed[0] += result.passed
            passed[1] += 1
            advance(f"{passed[0]}/{passed[1]} pass")

        result = asyncio.run(sample(config, on_result))
    _print(result, k)


def _print(result: SampleResult, k: int) -> None:
    rows = [
        [label(r.category, {}), str(r.prompts), f"{100 * r.pass_at_1:.1f}%", f"{100 * r.pass_at_k:.1f}%"]
        for r in result.rates
    ]
    ui.table(f"{result.samples} samples", ["category", "prompts", "pass@1", f"pass@{k}"], rows)
    if result.tools:
        tools = [
            [r.category, str(r.prompts), f"{100 * r.pass_at_1:.1f}%", f"{100 * r.pass_at_k:.1f}%"]
            for r in result.tools
        ]
        ui.table(
            "tool-calling prompts, by the tool each is about",
            ["tool", "prompts", "pass@1", f"pass@{k}"],
            tools,
        )
    ui.result(
        f"wrote {result.output}: {result.sft} SFT examples (sft/), {result.pairs} preference pairs (pairs/), "
        f"pass rates in {result.output / 'sample.json'}"
    )
