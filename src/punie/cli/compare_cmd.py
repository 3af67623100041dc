"""`punie compare`: a standalone HTML page comparing eval reports with the first (the baseline)."""

from __future__ import annotations

from pathlib import Path

import typer

from punie.cli import ui
from punie.errors import UsageError
from punie.journal.compare import compare_runs, load_column, not_comparable
from punie.journal.compare_html import render_compare_html
from punie.runtime.atomic import write_text_atomic


def write_comparison(paths: list[Path], output: Path, force: bool = False) -> list[str]:
    """Write the page; return one decision line per compared report. Runs that cannot be compared
    (another suite, other sampling, incomplete) are refused unless `force`, which labels the page."""
    for path in paths:
        if not (path.is_file() or (path / "report.json").is_file()):
            raise UsageError(f"{path}: not a report.json or a run directory holding one")
    columns = []
    for path in paths:
        try:
            columns.append(load_column(path))
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(
                f"{path}: not a readable eval report ({exc.__class__.__name__}: {exc})"
            ) from None
    problems = [
        f"{c.label}: {why}" for c in columns[1:] for why in not_comparable(columns[0].report, c.report)
    ]
    if problems and not force:
        raise UsageError("not comparable: " + "; ".join(problems) + " (--force compares anyway, labelled)")
    write_text_atomic(output, render_compare_html(columns, forced=tuple(problems)))
    lines = []
    for column in columns[1:]:
        lines.append(f"{column.label}: {compare_runs(columns[0].report, column.report).text()}")
    return lines


def compare(
    reports: list[Path] = typer.Argument(
        ..., help="report.json files or run dirs; the first is the baseline."
    ),
    output: Path = typer.Option(Path("compare.html"), "--output", "-o", dir_okay=False),
    force: bool = typer.Option(
        False, "--force", help="Compare runs that are not comparable; the page says so."
    ),
) -> None:
    """Compare eval reports side by side: deltas, regressions, failure classes, loss curves."""
    if len(reports) < 2:
        raise UsageError("compare needs a baseline and at least one more report")
    for line in write_comparison(reports, output, force):
        ui.result(line)
    ui.result(f"comparison: {output}")
