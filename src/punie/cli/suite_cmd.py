"""`punie suite import bfcl CATEGORY | humaneval`: public benchmarks as editable suite files."""

from __future__ import annotations

from pathlib import Path

import typer

from punie.cli import ui
from punie.errors import UsageError
from punie.eval.imports.importers import import_suite, suite_yaml
from punie.eval.suite_load import parse_suite

app = typer.Typer(
    help="Suites from public benchmarks (the optional `benchmarks` extra).", no_args_is_help=True
)


@app.command("import")
def import_command(
    benchmark: str = typer.Argument(..., help="bfcl | humaneval"),
    category: str | None = typer.Argument(
        None, help="BFCL category, e.g. simple_python, parallel, irrelevance, multi_turn_base."
    ),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N questions."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Suite file (default suites/NAME.yaml).", dir_okay=False
    ),
) -> None:
    """Write a benchmark's questions as a YAML suite, ready for `punie eval --suite FILE`."""
    suite = import_suite(benchmark, category, limit)
    text = suite_yaml(suite)
    target = output or Path("suites") / f"{suite['name']}.yaml"
    if target.exists() and target.is_dir():
        raise UsageError(f"{target}: is a directory; give a file path with --output")
    parsed = parse_suite(text, str(target), str(suite["name"]))  # what punie eval will read back
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    ui.result(f"wrote {target}: {len(parsed.prompts)} prompts ({suite['source']})")
