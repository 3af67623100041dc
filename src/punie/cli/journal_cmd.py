"""`punie journal show | render | note`, and the `--journal` hook other commands share."""

from __future__ import annotations

from pathlib import Path

import typer

from punie.cli import ui
from punie.errors import UsageError
from punie.journal.ledger import Entry, ledger_path, read_entries
from punie.journal.render import record, render_table, table_rows, write_journal

app = typer.Typer(help="The experiment journal (JOURNAL.md and its JSONL ledger).", no_args_is_help=True)
JOURNAL_OPTION_HELP = "Record the result in this journal (JOURNAL.md; its ledger is JOURNAL.jsonl)."
DEFAULT_JOURNAL = Path("JOURNAL.md")


def record_entry(journal: Path | None, entry: Entry) -> None:
    if journal is None:
        return
    notice = record(journal, entry)
    if notice:
        ui.warn(notice)
    ui.info(f"recorded '{entry.step}' in {journal} (ledger {ledger_path(journal)})")


@app.command("show")
def show(journal: Path = typer.Option(DEFAULT_JOURNAL, "--journal", "-j")) -> None:
    """Print the cumulative table."""
    entries = read_entries(ledger_path(journal))
    ui.raw(render_table(table_rows(entries)))
    ui.info(f"{len(entries)} entries in {ledger_path(journal)}")


@app.command("render")
def render(journal: Path = typer.Option(DEFAULT_JOURNAL, "--journal", "-j")) -> None:
    """Rebuild JOURNAL.md from its ledger (hand-written notes are kept)."""
    ui.result(f"wrote {write_journal(journal)}")


@app.command("note")
def note(
    step: str = typer.Argument(..., help="The step the note belongs to."),
    text: str = typer.Argument(..., help="The note."),
    journal: Path = typer.Option(DEFAULT_JOURNAL, "--journal", "-j"),
) -> None:
    """Add a note to a step (shown under its entry)."""
    steps = list(dict.fromkeys(e.step for e in read_entries(ledger_path(journal)) if e.kind != "note"))
    if step not in steps:
        known = ", ".join(repr(s) for s in steps) or "none yet"
        raise UsageError(f"{ledger_path(journal)}: no step {step!r} to note (steps: {known})")
    record_entry(journal, Entry(kind="note", step=step, title=text))
