"""`punie demo` and `punie experiment run` end to end, sized down for CI."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from punie.serve.engines import ENGINES
from tests.helpers import as_from_a_terminal, experiment_id, punie_cmd, run_punie

pytestmark = pytest.mark.integration


SMALL = ("--iters", "2", "--per-category", "2", "--seeds", "2")


def test_demo_fills_the_journal_and_a_rerun_is_a_no_op(
    tmp_path: Path, train_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's recipe over two seeds, on the prompts held out from its settings' choice, logged
    to MLflow's default local store as well (mlflow.db and mlruns/ in the working directory)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    done = run_punie("demo", "--workdir", str(tmp_path), *SMALL, "--report-to", "mlflow", timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    journal = (tmp_path / "JOURNAL.md").read_text()
    table = journal.split("## Cumulative Results")[1].split("## Experiments")[0]
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| Step")]
    assert rows[0].startswith("| Baseline: smollm2-135m |") and rows[1].startswith("| demo-tool-calling |")
    assert all(r.count("%") >= 4 for r in rows)  # Overall, Tool Calling, Code Gen, Reasoning measured
    assert "### Benchmark: Training Speed" in journal and "**Decision:** " in journal
    assert any(v in journal for v in ("proceed", "usable", "marginal", "pivot"))
    assert "dataset_sha256: `" in journal and "chat_template_sha256: `" in journal
    ledger = [json.loads(line) for line in (tmp_path / "JOURNAL.jsonl").read_text().splitlines()]
    assert {e["kind"] for e in ledger} >= {"benchmark", "baseline", "train", "experiment"}

    compare = (tmp_path / "runs" / "demo-tool-calling" / "compare.html").read_text()
    assert "Δ pts" in compare and "<polyline" in compare and "<script" not in compare
    assert "decision:" in done.stdout and "journal:" in done.stdout
    said, told = " ".join(done.stdout.split()), " ".join(done.stderr.split())  # rich wraps long lines
    assert "(recipe over 2 seeds)" in said and "2 seeds x 1 prompts" in said
    assert "scored on 3 held-out prompts" in told  # one of each category's two
    report = json.loads((tmp_path / "runs" / "demo-tool-calling" / "eval" / "report.json").read_text())
    assert report["settings"]["held_out_of"] == "0.5" and report["settings"]["engine"] in ENGINES
    assert {e["kind"] for e in ledger} >= {"recipe"}

    _tracked_like_the_journal(store)
    assert (tmp_path / "mlruns").is_dir()  # MLflow's artifacts beside its database, as it defaults

    again = run_punie("demo", "--workdir", str(tmp_path), *SMALL, timeout=300)
    assert again.returncode == 0 and "already recorded" in again.stderr
    assert (tmp_path / "JOURNAL.jsonl").read_text().count("\n") == len(ledger)  # nothing recorded twice


def _tracked_like_the_journal(store: str) -> None:
    """One MLflow run per seed (losses, both evaluations, the adapter) and one for the recipe."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=store)
    runs = {r.info.run_name: r for r in client.search_runs([experiment_id(client)])}
    assert set(runs) == {"demo-tool-calling", "demo-tool-calling-seed1", "demo-tool-calling-recipe"}
    assert {r.data.tags["punie.group"] for r in runs.values()} == {"demo-tool-calling"}
    seed1 = runs["demo-tool-calling-seed1"]
    assert seed1.data.params["train.seed"] == "1" and seed1.data.params["held_out_of"] == "0.5"
    assert client.get_metric_history(seed1.info.run_id, "train/loss")
    assert {"base/tool_calling/ci_low", "adapter/tool_calling/n", "change/reasoning/mcnemar_p"} <= set(
        seed1.data.metrics
    )
    assert seed1.data.tags["claim"] == "adapter"
    assert {a.path for a in client.list_artifacts(seed1.info.run_id)} >= {"adapter", "comparison"}
    recipe = runs["demo-tool-calling-recipe"]
    low, high = (
        recipe.data.metrics["recipe/tool_calling/ci_low"],
        recipe.data.metrics["recipe/tool_calling/ci_high"],
    )
    assert low <= recipe.data.metrics["recipe/tool_calling/mean_change"] <= high
    assert (
        recipe.data.metrics["recipe/tool_calling/seeds"] == 2
        and "recipe over 2 seeds" in recipe.data.tags["claim"]
    )


def test_interrupted_experiment_resumes(tmp_path: Path, train_model_dir: Path) -> None:
    data = tmp_path / "data"
    assert (
        run_punie("dataset", "generate", "tool-calling", "--n", "24", "--output", str(data)).returncode == 0
    )
    args = (
        "experiment",
        "run",
        "--data",
        str(data),
        "--name",
        "step-1",
        "--iters",
        "2",
        "--batch-size",
        "2",
        "--per-category",
        "2",
        "--max-tokens",
        "32",
        "--concurrency",
        "1",
        "--runs-dir",
        str(tmp_path / "runs"),
        "--journal",
        str(tmp_path / "J.md"),
    )
    # Its own PUNIE_HOME (the prepared models linked in), so no base evaluation cached by another
    # run is reused and the base evaluation really runs here.
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(train_model_dir.parent.parent)
    env = {**os.environ, "PUNIE_HOME": str(home)}
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:  # a file, not a pipe: nothing can block on a full pipe buffer
        proc = subprocess.Popen(
            punie_cmd(*args), stdout=subprocess.DEVNULL, stderr=stderr, env=env, preexec_fn=as_from_a_terminal
        )
        try:
            results: list[Path] = []
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not (results and results[0].read_text().strip()):
                time.sleep(0.3)
                results = list((tmp_path / "runs").glob("_base/*/results.jsonl"))
            assert results, "the base evaluation never wrote a result"
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    err = log.read_text()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    kept = len(results[0].read_text().splitlines())
    assert kept >= 1

    done = subprocess.run(punie_cmd(*args), capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((results[0].parent / "report.json").read_text())
    assert report["complete"] and len(report["results"]) == 6
    assert "step-1" in (tmp_path / "J.md").read_text()

    # The same recipe over 2 seeds: the base evaluation above serves both (cached), each seed is
    # an experiment of its own, and the recipe's decision is journaled once.
    recipe = [*args[:5], "recipe-1", *args[6:], "--seeds", "2"]
    done = subprocess.run(punie_cmd(*recipe), capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    said = " ".join(done.stdout.split())  # rich wraps long lines
    assert "decision: " in said and "(recipe over 2 seeds)" in said and "2 seeds x 2 prompts" in said
    assert "base model already evaluated" in done.stderr
    # Seed 0 is step-1's adapter (same data, settings and seed): copied with its answers, not redone.
    assert done.stderr.count("copied, not trained again, with its answers") == 1
    journal = (tmp_path / "J.md").read_text()
    assert "Recipe: recipe-1 (2 seeds)" in journal and "recipe-1-seed1" in journal
    again = subprocess.run(punie_cmd(*recipe), capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 0 and "already recorded" in again.stderr
    assert (tmp_path / "J.md").read_text().count("Recipe: recipe-1") == journal.count("Recipe: recipe-1")


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")), reason="no chromium")
def test_compare_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    from punie.eval.report import EvalReport
    from punie.eval.score import EvalResult
    from punie.journal.compare import Column
    from punie.journal.compare_html import render_compare_html

    def report(adapter: str | None, passed: list[bool]) -> EvalReport:
        results = tuple(
            EvalResult(f"p{i}", "reasoning", p, float(p), None, "", "none", (), None, "", 0.0)
            for i, p in enumerate(passed)
        )
        return EvalReport("m", adapter, "s", "h", results, len(results), "", 0.0)

    page = tmp_path / "compare.html"
    page.write_text(
        render_compare_html(
            [
                Column("base", report(None, [True, False]), tmp_path),
                Column("adapter", report("a", [True, True]), tmp_path),
            ]
        )
    )
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    dom = subprocess.run(
        [str(browser), "--headless", "--no-sandbox", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "50.0%" in dom and "100.0%" in dom and "+50.0" in dom
    assert "95% CI" in dom and "p = 1" in dom  # error bars and the paired test reach the page
