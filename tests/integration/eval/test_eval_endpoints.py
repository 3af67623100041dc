"""`punie eval` across two real mlx_lm.server processes on loopback: the prompts are split
between them and the results are those of one server (greedy decoding)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from punie.training import ServerConfig, ServerProcess


def _eval(urls: list[str], output: Path) -> dict[str, str]:
    flags = [arg for url in urls for arg in ("--base-url", url)]
    # A fixed, generous timeout: this test is about the results, and two servers on one 2-core
    # machine answer at a speed no probe of one server alone foresees.
    cmd = [sys.executable, "-m", "punie.cli", "eval", *flags, "--per-category", "2", "--max-tokens", "48"]
    cmd += ["--timeout", "600"]
    done = subprocess.run([*cmd, "--concurrency", "2", "-o", str(output)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads((output / "report.json").read_text())
    print(f"{len(urls)} endpoint(s): {report['seconds']:.1f} s for {report['prompt_count']} prompts")
    rows = [json.loads(line) for line in (output / "results.jsonl").read_text().splitlines()]
    return {row["prompt_id"]: json.dumps(row["response"]["turns"]) for row in rows}


async def test_two_servers_give_the_results_of_one(serve_model_dir: Path, tmp_path: Path) -> None:
    config = ServerConfig(model_path=str(serve_model_dir), port=0)
    async with ServerProcess(config) as a, ServerProcess(config) as b:
        one = _eval([a.config.base_url], tmp_path / "one")
        two = _eval([a.config.base_url, b.config.base_url], tmp_path / "two")
    assert len(one) == 6 and two == one


async def test_a_server_killed_mid_run_leaves_its_prompts_to_the_live_one(
    serve_model_dir: Path, tmp_path: Path
) -> None:
    """Issue 31: `kill -9` of one of two servers mid-run turned its in-flight prompts into
    server_error and the run exited 1. Now the live server answers them and the run completes."""
    import os
    import signal
    import time

    config = ServerConfig(model_path=str(serve_model_dir), port=0)
    output = tmp_path / "failover"
    async with ServerProcess(config) as a, ServerProcess(config) as b:
        flags = ["--base-url", a.config.base_url, "--base-url", b.config.base_url]
        cmd = [sys.executable, "-m", "punie.cli", "eval", *flags, "--per-category", "2", "--max-tokens", "48"]
        running = subprocess.Popen(
            [*cmd, "--timeout", "600", "--concurrency", "2", "-o", str(output)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        results = output / "results.jsonl"
        deadline = time.monotonic() + 300
        while not (results.is_file() and results.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.2)  # the first answer: both servers are busy now
        assert b.pid is not None
        os.kill(b.pid, signal.SIGKILL)
        out, err = running.communicate(timeout=900)
    assert running.returncode == 0, out[-2000:] + err[-2000:]
    report = json.loads((output / "report.json").read_text())
    assert len(report["results"]) == 6 and not [
        r for r in report["results"] if r["failure"] == "server_error"
    ]
    answered = [r.get("endpoint") for r in report["results"]]
    assert set(answered) <= {a.config.base_url, b.config.base_url} and answered.count(a.config.base_url) >= 3
