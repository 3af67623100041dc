from pathlib import Path

from tests.helpers import run_punie


def test_journal_note_show_and_render(tmp_path: Path) -> None:
    journal = tmp_path / "J.md"
    assert (
        run_punie("journal", "note", "step-1", "looked at failures", "--journal", str(journal)).returncode
        == 0
    )
    shown = run_punie("journal", "show", "--journal", str(journal))
    assert shown.returncode == 0 and "Not yet evaluated" in shown.stdout and "1 entries" in shown.stderr
    journal.unlink()
    assert run_punie("journal", "render", "--journal", str(journal)).returncode == 0
    assert "looked at failures" in journal.read_text()


def test_compare_refuses_a_missing_report(tmp_path: Path) -> None:
    done = run_punie("compare", str(tmp_path / "a"), str(tmp_path / "b"))
    assert done.returncode == 2 and "not a report.json" in done.stderr and "Traceback" not in done.stderr
