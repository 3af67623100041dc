"""Render the ledger as `JOURNAL.md` in the seed's layout; hand-written notes survive."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from punie.eval.categories import label
from punie.eval.kinds import KINDS
from punie.eval.report import percent
from punie.journal.ledger import SCORE_COLUMNS, Entry, Row, append_entry, ledger_path, locked, read_entries
from punie.runtime.atomic import write_json_atomic, write_text_atomic

NOTES_START = "<!-- punie:notes:start (hand-written; kept when punie re-renders this file) -->"
NOTES_END = "<!-- punie:notes:end -->"
DEFAULT_NOTES = "- Add your own notes here."
HEADER = (
    "# Training Experiment Journal\n\n"
    "Written by punie from `{ledger}` (the source of truth): `punie journal render` rebuilds it.\n"
)
# The seed's columns, one per kind after Overall (a kind declares its label once: punie.eval.kinds)
COLUMNS = ("Step", "Dataset", "Adapter", "Overall", *(kind.label for kind in KINDS.values()), "Notes")


def extra_columns(rows: list[Row]) -> list[str]:
    """Categories beyond the seed's columns (a suite's own), in order of appearance."""
    return list(dict.fromkeys(c for row in rows for c in row.scores if c not in SCORE_COLUMNS))


def _cell(text: str | None) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def table_rows(entries: list[Entry]) -> list[Row]:
    """Pure: one row per step (its latest record), base-model rows first, then in recorded order."""
    latest: dict[str, Row] = {}
    for entry in entries:
        if entry.row is not None:
            latest.pop(entry.row.step, None)
            latest[entry.row.step] = entry.row
    rows = list(latest.values())
    return [r for r in rows if r.adapter is None] + [r for r in rows if r.adapter is not None]


def score_cell(row: Row, column: str) -> str:
    """Pure: a score with the number of prompts behind it (`36.1% (n=60)`)."""
    n = row.counts.get(column)
    shown = percent(row.scores.get(column))
    return f"{shown} (n={n})" if n is not None and row.scores.get(column) is not None else shown


def comparability(rows: list[Row]) -> str:
    """Pure: a warning when the rows were scored on different suites (or sizes of one): their
    scores are not comparable, whatever the columns say. Empty when they all share one."""
    suites = list(dict.fromkeys(row.suite for row in rows if row.suite))
    if len(suites) < 2:
        return ""
    sizes = {row.suite: row.counts.get("overall") for row in rows if row.suite}
    listed = ", ".join(f"`{s}` (n={sizes[s]})" for s in suites)
    return f"**Not comparable across suites:** these rows were scored on {len(suites)} suites: {listed}.\n\n"


def render_table(rows: list[Row]) -> str:
    """The seed's columns, plus one per category of a suite's own that some row has, and the
    suite each row was scored on; every score with its n."""
    extras = extra_columns(rows)
    labels = {k: v for row in rows for k, v in row.labels.items()}
    header = [*COLUMNS[:-1], *(label(c, labels) for c in extras), "Suite", COLUMNS[-1]]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    if not rows:
        lines.append("| " + " | ".join(["Baseline", *["—"] * (len(header) - 2), "Not yet evaluated"]) + " |")
    for row in rows:
        scores = [score_cell(row, c) for c in (*SCORE_COLUMNS, *extras)]
        cells = [
            _cell(row.step),
            _cell(row.dataset),
            _cell(row.adapter),
            *scores,
            _cell(row.suite),
            _cell(row.notes),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return comparability(rows) + "\n".join(lines)


def render_entry(entry: Entry, notes: list[str]) -> str:
    parts = [f"### {entry.title} ({entry.recorded_at[:10]})", ""]
    if entry.goal:
        parts += [f"**Goal:** {entry.goal}", ""]
    if entry.did:
        parts += ["**What we did:**", *[f"- {line}" for line in entry.did], ""]
    parts += ["**Commands run:**", "```bash", entry.command, "```", ""]
    if entry.results:
        parts += ["**Results:**", *[f"- {line}" for line in entry.results], ""]
    if entry.decision:
        parts += [f"**Decision:** {entry.decision}", ""]
    if entry.next_steps:
        parts += ["**Next steps:**", *[f"- {line}" for line in entry.next_steps], ""]
    repro = {k: v for k, v in entry.repro.items() if v}
    if repro:
        parts += ["**Reproduce / links:**", *[f"- {k}: `{v}`" for k, v in repro.items()], ""]
    if notes:
        parts += ["**Notes:**", *[f"- {n}" for n in notes], ""]
    return "\n".join(parts) + "\n---\n"


def render_journal(entries: list[Entry], hand_notes: str, ledger_name: str) -> str:
    """Pure: the whole `JOURNAL.md`."""
    notes_by_step: dict[str, list[str]] = {}
    for entry in entries:
        if entry.kind == "note":
            notes_by_step.setdefault(entry.step, []).append(f"{entry.title} ({entry.recorded_at[:10]})")
    body = [
        HEADER.format(ledger=ledger_name),
        "## Cumulative Results\n",
        render_table(table_rows(entries)),
        "",
    ]
    body.append("## Experiments\n")
    shown: set[str] = set()
    for entry in entries:
        if entry.kind == "note":
            continue
        step_notes = notes_by_step.get(entry.step, []) if entry.step not in shown else []
        shown.add(entry.step)
        body.append(render_entry(entry, step_notes))
    for step, notes in notes_by_step.items():  # notes on steps with no entry (yet) still show
        if step not in shown:
            body.append(f"### Notes: {step}\n\n" + "\n".join(f"- {n}" for n in notes) + "\n\n---\n")
    body += ["## Notes\n", NOTES_START, hand_notes.strip("\n") or DEFAULT_NOTES, NOTES_END, ""]
    return "\n".join(body)


def hand_notes_of(text: str) -> str:
    """Pure: what a person wrote between the notes markers of an existing JOURNAL.md."""
    start, end = text.find(NOTES_START), text.find(NOTES_END)
    if start == -1 or end == -1 or end < start:
        return ""
    return text[start + len(NOTES_START) : end].strip("\n")


def write_journal(journal_md: Path) -> Path:
    """Re-render `journal_md` from its ledger (under the journal's lock, written atomically)."""
    ledger = ledger_path(journal_md)
    with locked(ledger):  # one hidden lock file, beside the ledger: .JOURNAL.jsonl.lock
        existing = journal_md.read_text(encoding="utf-8") if journal_md.is_file() else ""
        text = render_journal(read_entries(ledger), hand_notes_of(existing), ledger.name)
        write_text_atomic(journal_md, text)
    return journal_md


PATH_KEYS = ("dataset", "adapter", "metrics", "eval_report", "eval_html")


def _relative(value: str | None, base: Path) -> str | None:
    """A path the user gave (relative to where the command ran) as a path relative to `base`."""
    if not value or value == "None":
        return value
    return os.path.relpath(Path(value).resolve(), base.resolve())


def relative_paths(entry: Entry, base: Path) -> Entry:
    """The entry with its file paths relative to the journal's directory, so the journal reads the
    same from wherever it was written and moves with its runs."""
    repro = {k: (_relative(v, base) if k in PATH_KEYS else v) for k, v in entry.repro.items()}
    row = entry.row
    if row is not None:
        row = dataclasses.replace(
            row, dataset=_relative(row.dataset, base), adapter=_relative(row.adapter, base)
        )
    return dataclasses.replace(entry, repro=repro, row=row)


def record(journal_md: Path, entry: Entry) -> str | None:
    """Append `entry` to the ledger and re-render the journal; a notice when a torn line was cut."""
    notice = append_entry(ledger_path(journal_md), relative_paths(entry, journal_md.parent))
    write_journal(journal_md)
    return notice


def record_once(
    journal_md: Path, entry: Entry, state: Path, key: dict[str, Any], force: bool = False
) -> bool:
    """Record `entry` unless `state` holds `key`, written when the same finished work was recorded
    before (a rerun is then a no-op); `force` records it again. True when it was recorded."""
    if not force and state.is_file() and json.loads(state.read_text(encoding="utf-8")) == key:
        return False
    record(journal_md, entry)
    write_json_atomic(state, key)
    return True
