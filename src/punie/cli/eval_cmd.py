"""`punie eval`: evaluate a model (and adapter) on a suite; `--replay` re-scores recorded responses."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from punie.cli import ui
from punie.cli.interrupt import say_what_was_kept
from punie.cli.journal_cmd import JOURNAL_OPTION_HELP, record_entry
from punie.cli.options import ENGINE_HELP, TIMEOUT_HELP, UNSAFE_EXEC_HELP
from punie.errors import UsageError
from punie.eval.categories import label
from punie.eval.client import SamplingSettings
from punie.eval.report import RESULTS_FILE, EvalReport, load_report, percent
from punie.eval.rescore import replay_results
from punie.eval.results_log import read_results
from punie.eval.run_config import DEFAULT_CONCURRENCY, EvalRunConfig, EvalSettings
from punie.eval.runner import run_evaluation
from punie.eval.score import EvalResult
from punie.eval.suite import BUILTIN, first_per_category
from punie.eval.suite_load import load_suite
from punie.journal.entries import eval_entry
from punie.runtime.device import check_request
from punie.runtime.models import DEFAULT_MODEL, resolve_model
from punie.sandbox import SandboxLimits
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.endpoint import endpoints_from_file, endpoints_from_flags


def _kept_results(output: Path) -> str:
    results = output / RESULTS_FILE
    count = len(read_results(results)) if results.is_file() else 0
    return f"{count} finished result(s) kept in {results}; run the same command with --resume to continue"


def print_report(report: EvalReport, output: Path) -> None:
    rows = [
        [label(c, report.labels), percent(i.rate), f"{100 * i.low:.1f}–{100 * i.high:.1f}%", str(i.n)]
        for c, i in report.intervals().items()
    ]
    rows.append(["overall", percent(report.overall_score), "", str(len(report.scored()))])
    ui.table(
        f"{report.suite_name}: {report.model}" + (f" + {report.adapter}" if report.adapter else ""),
        ["category", "score", "95% CI", "n"],
        rows,
    )
    sources = report.call_sources()
    if sources:
        ui.result("tool calls: " + ", ".join(f"{n} {k}" for k, n in sources.items()))
    if report.failure_classes():
        ui.result("failures: " + ", ".join(f"{k} {n}" for k, n in report.failure_classes().items()))
    if report.incomplete():
        causes = report.incomplete_summary()
        ui.warn(
            f"incomplete: {causes} — not scored, kept out of every score; rerun with --resume to retry them"
        )
    proof = report.adapter_proof
    if proof is not None:
        (ui.warn if proof.suspicious else ui.result)(proof.text())
    if sources.get("text") and not sources.get("structured"):
        ui.warn("every tool call came back as text, none structured: check the chat template / tool parser")
    ui.result(f"report: {output / 'report.json'}  html: {output / 'report.html'}")


def suite_source(source: str) -> str:
    """What `--suite` named, in a form a later `--replay` can load from anywhere."""
    path = Path(source)
    return str(path.resolve()) if path.is_file() else source


def recorded_suite(results: Path) -> str | None:
    """The suite a recorded run used (its report's settings), if it says."""
    report = results.parent / "report.json"
    if not report.is_file():
        return None
    try:
        return load_report(report).settings.get("suite_source")
    except (ValueError, KeyError, TypeError):
        return None


def evaluate(
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Alias, MLX directory or cached hub id."),
    adapter: Path | None = typer.Option(None, "--adapter", help="LoRA adapter directory."),
    suite: str | None = typer.Option(
        None,
        "--suite",
        help="builtin (default), a .yaml/.jsonl suite file, bfcl:CATEGORY or humaneval; "
        "with --replay, the suite the run recorded",
    ),
    no_server: bool = typer.Option(
        False, "--no-server", help="Use running servers (--base-url, --endpoints)."
    ),
    base_url: list[str] = typer.Option(
        [], "--base-url", help="OpenAI-compatible URL ending in /v1; repeat it to split the prompts."
    ),
    endpoints_file: Path | None = typer.Option(
        None,
        "--endpoints",
        help="YAML list of {url, api_key_env, headers, concurrency} to split the prompts.",
    ),
    api_key_env: str | None = typer.Option(
        None, "--api-key-env", help="Environment variable holding the --base-url servers' API key."
    ),
    header: list[str] = typer.Option(
        [], "--header", help="Extra 'Name: value' header for --base-url servers."
    ),
    served_name: str = typer.Option(SERVED_MODEL_NAME, "--served-model", help="Model name to request."),
    concurrency: int = typer.Option(
        DEFAULT_CONCURRENCY, "--concurrency", help="Prompts in flight at once (per --base-url)."
    ),
    temperature: float = typer.Option(0.0, "--temperature"),
    top_p: float = typer.Option(1.0, "--top-p"),
    max_tokens: int = typer.Option(256, "--max-tokens"),
    seed: int = typer.Option(0, "--seed", help="Sent only when temperature > 0."),
    timeout: float | None = typer.Option(None, "--timeout", help=TIMEOUT_HELP),
    output: Path = typer.Option(Path("runs/eval"), "--output", "-o", help="Run directory.", file_okay=False),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --output."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Baseline report for the adapter proof."),
    replay: Path | None = typer.Option(None, "--replay", help="Re-score a results.jsonl; no model."),
    per_category: int = typer.Option(0, "--per-category", help="Only the first N prompts of each category."),
    journal: Path | None = typer.Option(None, "--journal", "-j", help=JOURNAL_OPTION_HELP),
    device: str = typer.Option("auto", "--device", help="auto | cpu | gpu (auto: GPU when MLX sees one)."),
    engine: str = typer.Option("auto", "--engine", help=ENGINE_HELP),
    step: str | None = typer.Option(None, "--step", help="Journal step name (default: --output name)."),
    unsafe_exec: bool = typer.Option(False, "--unsafe-exec", help=UNSAFE_EXEC_HELP),
) -> None:
    """Evaluate on a suite: tool calling, code generation (sandboxed), reasoning."""
    if per_category < 0:
        raise UsageError(f"--per-category must be 0 (all) or more, got {per_category}")
    source = suite or (recorded_suite(replay) if replay is not None else None) or BUILTIN
    eval_suite = first_per_category(load_suite(source), per_category)
    if replay is not None:
        report = replay_results(replay, eval_suite, output, SandboxLimits(unsafe_exec=unsafe_exec))
        print_report(report, output)
        return
    endpoints = endpoints_from_flags(base_url, api_key_env, header, concurrency)
    if endpoints_file is not None:
        endpoints += endpoints_from_file(endpoints_file)
    no_server = no_server or bool(endpoints)  # servers given: punie starts none
    if no_server and adapter is not None:
        raise UsageError(
            "--adapter needs punie's managed server: drop --no-server (punie then starts mlx_lm.server "
            "with the adapter), or start your own server with it (mlx_lm.server --adapter-path DIR) "
            "and pass only --no-server --base-url"
        )
    if not no_server:  # a broken model directory is one line before anything starts
        resolve_model(model, "serve", progress=ui.step)
    server = (
        None
        if no_server
        else ServerConfig(
            model_path=model,
            port=0,
            adapter_path=str(adapter) if adapter else None,
            device=check_request(device),
            engine=engine,
        )
    )
    config = EvalRunConfig(
        suite=eval_suite,
        output_dir=output,
        server=server,
        manage_server=not no_server,
        endpoints=endpoints,
        model_name=served_name,
        settings=EvalSettings(
            SamplingSettings(temperature, top_p, max_tokens, seed),
            concurrency=concurrency,
            prompt_timeout=timeout,
            unsafe_exec=unsafe_exec,
            engine=engine,
        ),
        resume=resume,
        baseline=baseline,
        extra={"suite_source": suite_source(source)},
    )
    served = f"{model} ({config.recorded()['engine']})" if server else ", ".join(e.url for e in endpoints)
    ui.step(
        f"evaluating {served} on suite {eval_suite.name} "
        f"({len(eval_suite.prompts)} prompts, concurrency {concurrency}) -> {output}"
    )
    with ui.counting_progress(len(eval_suite.prompts), "eval") as advance:

        def on_result(result: EvalResult) -> None:
            advance(f"{result.id}: {'pass' if result.passed else result.failure}")

        with say_what_was_kept(lambda: _kept_results(output)):
            report = asyncio.run(run_evaluation(config, on_result, notice=ui.step))
    print_report(report, output)
    record_entry(journal, eval_entry(report, output, step or output.name))
    if report.error:
        ui.error(f"{report.error}; partial report kept ({len(report.results)} results) — rerun with --resume")
        raise typer.Exit(1)
    if not report.complete:
        raise typer.Exit(1)  # said above: incomplete prompts, no baseline registered
