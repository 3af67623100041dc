from pathlib import Path

from punie.journal.ledger import Entry
from punie.journal.render import record
from tests.helpers import run_punie


def test_journal_note_show_and_render(tmp_path: Path) -> None:
    journal = tmp_path / "J.md"
    unknown = run_punie("journal", "note", "step-1", "looked at failures", "--journal", str(journal))
    assert unknown.returncode == 2 and "no step 'step-1' to note" in unknown.stderr
    record(journal, Entry(kind="train", step="step-1", title="Training: step-1"))
    assert (
        run_punie("journal", "note", "step-1", "looked at failures", "--journal", str(journal)).returncode
        == 0
    )
    shown = run_punie("journal", "show", "--journal", str(journal))
    assert shown.returncode == 0 and "Not yet evaluated" in shown.stdout and "2 entries" in shown.stderr
    journal.unlink()
    assert run_punie("journal", "render", "--journal", str(journal)).returncode == 0
    assert "looked at failures" in journal.read_text()


def test_compare_refuses_a_missing_report(tmp_path: Path) -> None:
    done = run_punie("compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert done.returncode == 2 and "not a report.json" in done.stderr and "Traceback" not in done.stderr


def test_version_and_short_help() -> None:
    version = run_punie("--version")
    assert version.returncode == 0 and version.stdout.startswith("punie ")
    short = run_punie("eval", "-h")
    assert short.returncode == 0 and "--timeout" in short.stdout and "--unsafe-exec" in short.stdout
