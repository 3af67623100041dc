"""`punie compare`: a standalone HTML page comparing eval reports with the first (the baseline)."""

from __future__ import annotations

from pathlib import Path

import typer

from punie.cli import ui
from punie.errors import UsageError
from punie.journal.compare import category_deltas, decide, load_column
from punie.journal.compare_html import render_compare_html
from punie.runtime.atomic import write_text_atomic


def write_comparison(paths: list[Path], output: Path) -> list[str]:
    """Write the page; return one decision line per compared report."""
    for path in paths:
        if not (path.is_file() or (path / "report.json").is_file()):
            raise UsageError(f"{path}: not a report.json or a run directory holding one")
    columns = [load_column(p) for p in paths]
    write_text_atomic(output, render_compare_html(columns))
    lines = []
    for column in columns[1:]:
        decision, detail = decide(category_deltas(columns[0].report, column.report))
        lines.append(f"{column.label}: {decision} ({detail})")
    return lines


def compare(
    reports: list[Path] = typer.Argument(
        ..., help="report.json files or run dirs; the first is the baseline."
    ),
    output: Path = typer.Option(Path("compare.html"), "--output", "-o"),
) -> None:
    """Compare eval reports side by side: deltas, regressions, failure classes, loss curves."""
    if len(reports) < 2:
        raise UsageError("compare needs a baseline and at least one more report")
    for line in write_comparison(reports, output):
        ui.result(line)
    ui.result(f"comparison: {output}")
