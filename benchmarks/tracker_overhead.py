"""What `--report-to` adds to a run: seconds each tracker takes to log one experiment.

    uv run python benchmarks/tracker_overhead.py [--events 100] [--runs 1]

Each tracker runs in a fresh process (so its import counts, as a command pays it once), to its
local store in a temporary directory, and logs what one experiment logs: `--events` training
reports (loss, rate, tokens/s each at its iteration), the scores of two evaluations with their
intervals, the decision, and a 2.6 MB adapter with its reports. It prints each phase's seconds;
compare the total with the experiment's own time (the demo: about 3.5 minutes a seed here).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from punie.track.tracker import TRACKERS

ONE_RUN = """
import json, os, sys, time
from pathlib import Path
started = time.perf_counter()
from punie.track.session import Tracking
from punie.track.tracker import TRACKERS, Artifact, RunInfo
here = Path.cwd()
(here / "adapters.safetensors").write_bytes(os.urandom(2_616_829))
(here / "report.json").write_text("{}" * 2000)
phases = {}
mark = time.perf_counter()
with Tracking([TRACKERS[sys.argv[1]]], lambda _: None).run(RunInfo("bench", "bench", {"rank": 8})) as run:
    for step in range(1, int(sys.argv[2]) + 1):
        run.on_train_event({"event": "train", "iteration": step, "train_loss": 1 / step,
                            "tokens_per_second": 90.0, "learning_rate": 1e-4, "iterations_per_second": 1.0})
        if step == 1:
            phases["import, start and first event"] = time.perf_counter() - started
            mark = time.perf_counter()
    phases["the other training events"] = time.perf_counter() - mark
    mark = time.perf_counter()
    scores = {f"{who}/{c}/{m}": 0.5 for who in ("base", "adapter")
              for c in ("overall", "tool_calling", "code_generation", "reasoning")
              for m in ("score", "ci_low", "ci_high", "n")}
    run.log_metrics(scores)
    run.log_summary({"decision": "improves", "claim": "adapter", "decision_detail": "x"})
    run.log_artifacts([Artifact("adapter", "model", (here / "adapters.safetensors",)),
                       Artifact("base-report", "report", (here / "report.json",))])
    phases["scores, decision and artifacts"] = time.perf_counter() - mark
    mark = time.perf_counter()
phases["finish"] = time.perf_counter() - mark
phases["total"] = time.perf_counter() - started
print(json.dumps(phases))
"""


def one(tracker: str, events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "TRACKIO_DIR": str(Path(directory) / "trackio"), "WANDB_MODE": "offline"}
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{Path(directory) / 'mlflow.db'}"
        done = subprocess.run(
            [sys.executable, "-c", ONE_RUN, tracker, str(events)],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    rows = {name: [one(name, args.events) for _ in range(args.runs)] for name in TRACKERS}
    phases = list(next(iter(rows.values()))[0])
    print("| tracker | " + " | ".join(phases) + " |")
    print("|---" * (len(phases) + 1) + "|")
    for name, runs in rows.items():
        cells = [f"{min(r[p] for r in runs):.2f} s" for p in phases]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"({args.events} training events; the fastest of {args.runs} run(s) each)")


if __name__ == "__main__":
    main()
