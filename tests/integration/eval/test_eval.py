"""`punie eval` end to end: the real server (the engine `auto` picks) on the embedded model."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.helpers import ctrl_c_when, punie_cmd, run_punie

pytestmark = pytest.mark.integration

SMALL_SUITE = """\
name: small
workspace: {README.md: "# demo\\n"}
prompts:
  - id: t-read
    category: tool_calling
    prompt_text: Show me README.md.
    expected_calls: [{name: read_file, arguments: {path: README.md}}]
  - {id: t-none, category: tool_calling, prompt_text: Say hello., no_tool: true}
  - {id: c-add, category: code_generation, prompt_text: "Write a Python function add(a, b) returning a + b.",
     tests: "assert add(2, 3) == 5"}
  - {id: c-sq, category: code_generation, prompt_text: "Write a Python function square(x).", tests: "assert square(3) == 9"}
  - {id: r-mul, category: reasoning, prompt_text: "What is 6 times 7? Answer with the number.", expected_answer: "42"}
  - {id: r-cap, category: reasoning, prompt_text: "Capital of France? A) Rome B) Paris. Letter only.", expected_answer: B}
"""


@pytest.fixture
def small_suite(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_SUITE)
    return path


def test_eval_writes_reports_and_replay_rescores(
    small_suite: Path, tmp_path: Path, serve_model_dir: Path
) -> None:
    out = tmp_path / "base"
    done = run_punie(
        "eval", "--suite", str(small_suite), "--max-tokens", "48", "--output", str(out), timeout=600
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["complete"] and set(report["score_by_category"]) == {
        "tool_calling",
        "code_generation",
        "reasoning",
    }
    assert report["chat_template_hash"] and report["versions"]["mlx-lm"]
    assert sum(report["call_sources"].values()) == 2
    html = (out / "report.html").read_text()
    assert "By category" in html and "t-read" in html
    assert "overall" in done.stdout

    replayed = run_punie(
        "eval",
        "--suite",
        str(small_suite),
        "--replay",
        str(out / "results.jsonl"),
        "--output",
        str(tmp_path / "replayed"),
    )
    assert replayed.returncode == 0, replayed.stderr
    again = json.loads((tmp_path / "replayed" / "report.json").read_text())
    assert again["score_by_category"] == report["score_by_category"]
    # --replay reads the suite the run recorded: no --suite needed
    recorded = run_punie("eval", "--replay", str(out / "results.jsonl"), "--output", str(tmp_path / "again"))
    assert recorded.returncode == 0, recorded.stderr
    assert json.loads((tmp_path / "again" / "report.json").read_text())["suite_name"] == "small"


def test_killed_server_leaves_a_partial_report(
    small_suite: Path, tmp_path: Path, serve_model_dir: Path
) -> None:
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        punie_cmd(
            "eval",
            "--suite",
            str(small_suite),
            "--concurrency",
            "1",
            "--max-tokens",
            "48",
            "--output",
            str(out),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        results = out / "results.jsonl"
        while time.monotonic() < deadline and not (results.is_file() and results.read_text().strip()):
            time.sleep(0.2)
        servers = [  # whichever engine auto chose: mlx_lm.server, punie's llama.cpp child or llama-server
            p
            for p in psutil.Process(proc.pid).children(recursive=True)
            if any(name in " ".join(p.cmdline()) for name in ("mlx_lm", "llama_child", "llama-server"))
        ]
        assert servers, "no server child found"
        for server in servers:
            server.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1
    assert "server stopped" in err and "--resume" in err and "Traceback" not in err
    report = json.loads((out / "report.json").read_text())
    assert not report["complete"] and report["error"]
    assert any(r["failure"] == "server_error" for r in report["results"])
    assert len(report["results"]) == 6  # every prompt is accounted for


def test_bad_suite_file_exits_2_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("prompts:\n  - {id: a, category: reasoning, prompt_text: x}\n")
    done = run_punie("eval", "--suite", str(bad), "--output", str(tmp_path / "o"))
    assert done.returncode == 2
    assert f"{bad}:2: expected_answer" in done.stderr and "Traceback" not in done.stderr


def _baselines() -> dict:
    registry = Path(os.environ["PUNIE_HOME"]) / "baselines.json"
    return json.loads(registry.read_text()) if registry.is_file() else {}


def test_timeouts_are_incomplete_and_resume_completes_them(
    small_suite: Path, tmp_path: Path, serve_model_dir: Path
) -> None:
    out = tmp_path / "rushed"
    rushed = run_punie(
        "eval", "--suite", str(small_suite), "--max-tokens", "48", "--timeout", "0.5", "--output", str(out),
        timeout=600,
    )  # fmt: skip
    assert rushed.returncode == 1 and "incomplete:" in rushed.stderr and "Traceback" not in rushed.stderr
    report = json.loads((out / "report.json").read_text())
    assert not report["complete"] and report["incomplete"].get("timeout", 0) >= 1
    assert "timeout" not in report["failure_classes"]  # never a model failure
    assert str(out) not in _baselines().values()  # an incomplete run is never a baseline
    with open(out / "results.jsonl", "a", encoding="utf-8") as results:
        results.write('{"prompt_id": "t-re')  # a write cut short by a crash
    resumed = run_punie(
        "eval", "--suite", str(small_suite), "--max-tokens", "48", "--output", str(out), "--resume", timeout=600
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert "dropped a torn last line" in resumed.stderr  # said, not silently dropped
    done = json.loads((out / "report.json").read_text())
    assert done["complete"] and done["incomplete"] == {}
    clean_out = tmp_path / "clean"
    clean = run_punie(
        "eval", "--suite", str(small_suite), "--max-tokens", "48", "--output", str(clean_out), timeout=600
    )
    assert clean.returncode == 0, clean.stderr
    assert (
        done["score_by_category"] == json.loads((clean_out / "report.json").read_text())["score_by_category"]
    )


def test_ctrl_c_says_what_was_kept_and_how_to_continue(
    small_suite: Path, tmp_path: Path, serve_model_dir: Path
) -> None:
    out = tmp_path / "stopped"
    results = out / "results.jsonl"
    code, err = ctrl_c_when(
        ["eval", "--suite", str(small_suite), "--max-tokens", "48", "--concurrency", "1", "-o", str(out)],
        lambda: results.is_file() and results.read_text().count("\n") >= 1,
    )
    assert code == 130, err
    assert "finished result(s) kept in" in err and "--resume" in err and "Traceback" not in err
    kept = int(err.split("interrupted: ")[1].split(" finished")[0])
    assert kept >= 1 and len(results.read_text().splitlines()) == kept
