import subprocess
import sys
from pathlib import Path

import pytest

from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.journal.compare import Column, category_deltas, decide, prompt_changes
from punie.journal.compare_html import LossCurve, loss_svg, render_compare_html
from punie.journal.entries import eval_entry
from punie.journal.ledger import Entry, ledger_path, read_entries
from punie.journal.render import NOTES_END, NOTES_START, record, relative_paths, write_journal


def result(pid: str, category: str, passed: bool) -> EvalResult:
    return EvalResult(
        pid,
        category,
        passed,
        float(passed),
        None if passed else "wrong_answer",
        "",
        "none",
        (),
        None,
        "",
        0.1,
    )


def report(adapter: str | None, tool: list[bool], reason: list[bool]) -> EvalReport:
    results = [result(f"t{i}", "tool_calling", p) for i, p in enumerate(tool)]
    results += [result(f"r{i}", "reasoning", p) for i, p in enumerate(reason)]
    return EvalReport(
        "smollm2-135m", adapter, "builtin", "abc", tuple(results), len(results), "2026-11-26", 1.0
    )


BASE = report(None, [False] * 8, [True] * 8)
ADAPTER = report("runs/x/adapter", [True] * 7 + [False], [False] * 6 + [True] * 2)


def test_gain_in_one_category_and_loss_in_another_is_mixed_not_averaged() -> None:
    deltas = category_deltas(BASE, ADAPTER)
    assert [(d.category, round(d.delta, 3)) for d in deltas] == [
        ("tool_calling", 0.875),
        ("reasoning", -0.75),
    ]
    assert [(d.test.gained, d.test.lost, round(d.test.p_value, 4)) for d in deltas] == [
        (7, 0, 0.0156),  # 2 * 0.5**7: McNemar's exact test on the 7 discordant prompts
        (0, 6, 0.0312),
    ]
    decision, detail, _ = decide(deltas)
    assert decision == "mixed" and "tool_calling +87.5 pts" in detail and "reasoning -75.0 pts" in detail
    assert decide([]) == ("unchanged", "no category changed", "adapter")
    assert [c[0] for c in prompt_changes(BASE, ADAPTER)] == [f"t{i}" for i in range(7)] + [
        f"r{i}" for i in range(6)
    ]


def test_a_change_within_noise_decides_nothing() -> None:
    """One prompt of six (16.7 points) is what the demo once called an improvement."""
    before = report(None, [False] * 6, [True, True, True, False, False, False])
    after = report("a", [True] + [False] * 5, [True, True, False, True, True, True])
    decision, detail, _ = decide(category_deltas(before, after))
    assert decision == "unchanged"
    assert (
        "no significant change (n = 6) in tool_calling +16.7 pts, p = 1, reasoning +33.3 pts, p = 0.625"
        in detail
    )
    worse = report("b", [False] * 6, [False] * 6)
    assert decide(category_deltas(before, worse)) == (
        "unchanged",
        "no significant change (n = 6) in reasoning -50.0 pts, p = 0.25",
        "adapter",
    )


def test_compare_page_flags_the_regression_and_draws_loss_curves(tmp_path: Path) -> None:
    curve = LossCurve(((1, 3.0), (2, 2.0), (3, 1.0)), ((3, 1.5),))
    html = render_compare_html([Column("base", BASE, tmp_path), Column("adapter", ADAPTER, tmp_path, curve)])
    assert "REGRESSION in reasoning" in html and "mixed" in html
    assert "100.0%" not in html.split("Scores by category")[0]
    assert "87.5% (<span class='up'>+87.5</span>)" in html and "<polyline" in html
    assert "95% CI 52.9–97.8%, n = 8" in html and "p = 0.0156" in html  # error bars and the paired test
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert loss_svg(LossCurve((), ()), "x") == ""


def test_journal_table_puts_the_base_first_and_keeps_hand_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    journal = tmp_path / "JOURNAL.md"
    record(journal, eval_entry(ADAPTER, tmp_path / "a", "step-1", "data/x", "f" * 64))
    record(journal, eval_entry(BASE, tmp_path / "b", "Baseline: smollm2-135m"))
    text = journal.read_text()
    table = text.split("## Cumulative Results")[1].split("## Experiments")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "Step" not in line]
    assert rows[0].startswith("| Baseline: smollm2-135m |") and "| 0.0% (n=8) |" in rows[0]
    assert rows[1].startswith(
        "| step-1 | data/x | runs/x/adapter | 56.2% (n=16) | 87.5% (n=8) | — | 25.0% (n=8) | — | builtin@abc |"
    )
    assert "Not comparable" not in table  # one suite
    header = next(line for line in table.splitlines() if line.startswith("| Step"))
    assert header.count("|") == rows[1].count("|")  # every kind a column, multi-turn included
    assert "Tool Calling: 87.5% (95% CI 52.9–97.8%, n = 8)" in text
    assert "eval_report: `" in text and "dataset_sha256: `" + "f" * 64 in text
    assert [p.name for p in tmp_path.glob(".*lock")] == [".JOURNAL.jsonl.lock"]  # one, beside the ledger

    mine = "- the adapter overfits; try fewer iterations"
    journal.write_text(text.replace(NOTES_START + "\n- Add your own notes here.", NOTES_START + "\n" + mine))
    record(journal, Entry(kind="note", step="step-1", title="looked at the failures"))
    again = write_journal(journal).read_text()
    assert mine in again and again.index(mine) < again.index(NOTES_END)
    assert "looked at the failures" in again


def test_journal_paths_are_relative_to_the_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    entry = eval_entry(ADAPTER, Path("runs/a"), "step-1", "data/x", "f" * 64)
    moved = relative_paths(entry, tmp_path / "notes")
    assert moved.row is not None and moved.row.dataset == "../data/x"
    assert (
        moved.repro["eval_report"] == "../runs/a/report.json" and moved.repro["model"] == entry.repro["model"]
    )


def test_twenty_processes_recording_at_once_lose_no_row(tmp_path: Path) -> None:
    journal = tmp_path / "JOURNAL.md"
    code = (
        "import sys; from pathlib import Path; from punie.journal.ledger import Entry, Row;"
        "from punie.journal.render import record;"
        "i = sys.argv[1]; record(Path(sys.argv[2]), Entry(kind='eval', step='s' + i, title='t' + i,"
        "row=Row('s' + i, None, 'a' + i, {'overall': 0.5})))"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(i), str(journal)]) for i in range(20)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    entries = read_entries(ledger_path(journal))
    assert sorted(e.step for e in entries) == sorted(f"s{i}" for i in range(20))
    text = journal.read_text()
    assert all(f"| s{i} |" in text for i in range(20))


def test_a_torn_last_ledger_line_is_skipped(tmp_path: Path) -> None:
    journal = tmp_path / "JOURNAL.md"
    record(journal, Entry(kind="note", step="a", title="first"))
    with ledger_path(journal).open("a") as handle:
        handle.write('{"kind": "note", "st')
    assert [e.title for e in read_entries(ledger_path(journal))] == ["first"]


def test_a_bad_line_in_the_middle_is_named(tmp_path: Path) -> None:
    import pytest

    from punie.errors import UsageError

    journal = tmp_path / "JOURNAL.md"
    record(journal, Entry(kind="note", step="a", title="first"))
    text = ledger_path(journal).read_text()
    ledger_path(journal).write_text("{oops\n" + text)
    with pytest.raises(UsageError, match=r"JOURNAL.jsonl:1: entry:"):
        read_entries(ledger_path(journal))


def test_an_append_after_a_torn_line_cuts_it_and_says_so(tmp_path: Path) -> None:
    journal = tmp_path / "JOURNAL.md"
    record(journal, Entry(kind="note", step="a", title="first"))
    with ledger_path(journal).open("a") as handle:
        handle.write('{"kind": "note", "st')
    notice = record(journal, Entry(kind="note", step="a", title="second"))
    assert notice and "dropped a torn last line" in notice
    assert [e.title for e in read_entries(ledger_path(journal))] == ["first", "second"]


FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from punie.errors import PunieError
from punie.journal.ledger import Entry, ledger_path
from punie.journal.render import record
journal = Path(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like ENOSPC
size = ledger_path(journal).stat().st_size
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 20, size + 20))
try:
    record(journal, Entry(kind="note", step="a", title="x" * 500))
except PunieError as exc:
    print(exc)
    sys.exit(1)
"""


def test_a_failed_append_leaves_the_ledger_as_it_was_and_says_so(tmp_path: Path) -> None:
    journal = tmp_path / "JOURNAL.md"
    record(journal, Entry(kind="note", step="a", title="first"))
    before = ledger_path(journal).read_bytes()
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(journal)], capture_output=True, text=True)
    assert (
        done.returncode == 1 and "was not recorded" in done.stdout and "journal is unchanged" in done.stdout
    )
    assert ledger_path(journal).read_bytes() == before
    assert [e.title for e in read_entries(ledger_path(journal))] == ["first"]


def test_rows_on_different_suites_are_marked_not_comparable(tmp_path: Path) -> None:
    """Issue 31: grid rows on 6 prompts read 66.7% under a 60-prompt baseline of 36.1%, no n shown."""
    journal = tmp_path / "JOURNAL.md"
    record(journal, eval_entry(BASE, tmp_path / "b", "Baseline: smollm2-135m"))
    small = EvalReport(
        "smollm2-135m", "runs/g/adapter", "builtin", "def", ADAPTER.results[:3], 3, "2026-11-26", 1.0
    )
    record(journal, eval_entry(small, tmp_path / "g", "grid cell"))
    table = journal.read_text().split("## Cumulative Results")[1].split("## Experiments")[0]
    assert (
        "**Not comparable across suites:** these rows were scored on 2 suites: `builtin@abc` (n=16), `builtin@def` (n=3)"
        in table
    )
    assert "| 100.0% (n=3) |" in table and "| builtin@def |" in table
