from pathlib import Path

from punie.tools.workspace import Workspace


def test_reads_inside_and_refuses_outside(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n")
    (tmp_path.parent / "secret.txt").write_text("s3cret")
    ws = Workspace(tmp_path)
    assert ws.read_file("main.py") == "x = 1\n"
    assert ws.read_file("../secret.txt").startswith("error:")
    assert "s3cret" not in ws.read_file("/etc/../" + str(tmp_path.parent / "secret.txt"))
    assert ws.read_file("missing.py") == "error: no such file: missing.py"
