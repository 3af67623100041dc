"""The ledger: one JSON line per recorded entry, appended under an exclusive file lock.

Why JSONL and not SQLite: it sits in the repository beside `JOURNAL.md`, diffs and merges as text,
and a write at the end under `flock` is atomic for any number of concurrent writers. A torn last
line (a writer killed mid-write) is skipped on reading, and cut off (with a notice) by the next append;
a failed append (full disk) cuts the ledger back to where it was and says so.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from punie.errors import PunieError, UsageError
from punie.eval.kinds import KINDS
from punie.runtime.file_lock import exclusive_lock, lock_beside
from punie.runtime.jsonl_lines import BadLine, complete_records

Kind = Literal["baseline", "eval", "benchmark", "train", "experiment", "recipe", "selection", "fuse", "note"]
SCORE_COLUMNS = ("overall", *(kind.column for kind in KINDS.values()))


@dataclass(frozen=True)
class Row:
    """One line of the cumulative table."""

    step: str
    dataset: str | None
    adapter: str | None
    scores: Mapping[str, float | None]  # SCORE_COLUMNS (and a suite's own categories) -> 0..1
    notes: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)  # column labels of a suite's own categories
    counts: Mapping[str, int] = field(default_factory=dict)  # score column -> prompts scored (its n)
    suite: str = ""  # the suite it was scored on, `name@hash` ("" in ledgers written before)


@dataclass(frozen=True)
class Entry:
    kind: Kind
    step: str
    title: str
    recorded_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    command: str = field(default_factory=lambda: shlex.join(["punie", *sys.argv[1:]]))
    goal: str = ""
    did: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    decision: str = ""
    next_steps: tuple[str, ...] = ()
    row: Row | None = None
    repro: Mapping[str, str | None] = field(default_factory=dict)  # what reproduces it; links

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        row = data.get("row")
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for name in ("did", "results", "next_steps"):
            fields[name] = tuple(fields.get(name) or ())
        fields["row"] = Row(**row) if row else None
        return cls(**fields)


def ledger_path(journal_md: Path) -> Path:
    """`JOURNAL.md` keeps its ledger beside it: `JOURNAL.jsonl`."""
    return journal_md.with_suffix(".jsonl")


def locked(path: Path) -> AbstractContextManager[None]:
    """An exclusive lock on `path`'s lock file, held for the block."""
    return exclusive_lock(lock_beside(path))


def append_entry(ledger: Path, entry: Entry) -> str | None:
    """Append one entry, all of it or nothing: every write is checked and fsynced, and a failed
    append (full disk, read-only file) cuts the ledger back to where it was and raises. A torn last
    line left by an earlier crash is cut off first; the returned notice says so."""
    line = (json.dumps(entry.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
    notice = None
    with locked(ledger):
        try:
            fd = os.open(ledger, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise PunieError(f"{ledger}: cannot write the journal ({exc.strerror})") from None
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                tail = os.pread(fd, min(size, 1 << 20), max(0, size - (1 << 20)))
                keep = size - len(tail) + tail.rfind(b"\n") + 1
                os.ftruncate(fd, keep)
                notice = (
                    f"{ledger}: dropped a torn last line ({size - keep} bytes) left by an interrupted write"
                )
                size = keep
            try:
                view, offset = memoryview(line), size
                while view:
                    written = os.pwrite(fd, view, offset)
                    view, offset = view[written:], offset + written
                os.fsync(fd)
            except OSError as exc:
                os.ftruncate(fd, size)  # the ledger stays as it was, readable
                raise PunieError(
                    f"{ledger}: the entry was not recorded ({exc.strerror}); the journal is unchanged"
                ) from None
        finally:
            os.close(fd)
    return notice


def read_entries(ledger: Path) -> list[Entry]:
    try:
        return complete_records(ledger, Entry.from_dict)
    except BadLine as exc:
        raise UsageError(f"{ledger}:{exc.number}: entry: not a journal entry ({exc})") from None
