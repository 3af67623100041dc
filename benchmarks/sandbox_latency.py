"""Seconds to score one correct HumanEval-style answer: the OS sandbox vs no isolation at all.

    uv run python benchmarks/sandbox_latency.py [--runs 30]

Both rows run the same hidden tests under the completion-marker harness, as `score_prompt` does:
through the Linux sandbox, and through the `--unsafe-exec` path (rlimits only), i.e. what the
isolation costs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from punie.sandbox import ExecRequest, SandboxLimits, SandboxResult, detect, linux, unsafe
from punie.sandbox.harness import harness_argv, new_nonce
from punie.sandbox.interpreter import sandbox_env, sandbox_python

SOLUTION = 'def add(a, b):\n    """Sum."""\n    return a + b\n'
TESTS = (
    "from solution import *\nassert add(2, 3) == 5\nassert add(-1, 1) == 0\nassert add(0.5, 0.25) == 0.75\n"
)


def request() -> ExecRequest:
    files = {"solution.py": SOLUTION, "hidden_tests.py": TESTS}
    return ExecRequest(harness_argv(sandbox_python(), "hidden_tests.py"), files=files, nonce=new_nonce())


def timed(run: Callable[[], SandboxResult], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
        assert result.passed, result.stderr
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    found = detect()
    print(f"isolation here: {found.backend} ({'available' if found.available else found.missing})")
    rows = []
    if found.backend == linux.BACKEND and found.available:
        rows.append((found.backend, timed(lambda: linux.run(request(), SandboxLimits()), args.runs)))
    limits = SandboxLimits(unsafe_exec=True)
    rows.append(
        (
            "unsafe (no isolation)",
            timed(lambda: unsafe.run(request(), limits, sandbox_env()), args.runs),
        )
    )
    print(f"{'backend':<24} {'median s':>9} {'p90 s':>7} {'max s':>7}  (n = {args.runs} each)")
    for name, seconds in rows:
        p90 = statistics.quantiles(seconds, n=10)[-1]
        print(f"{name:<24} {statistics.median(seconds):9.3f} {p90:7.3f} {max(seconds):7.3f}")
    if len(rows) == 2:
        ratio = statistics.median(rows[0][1]) / statistics.median(rows[1][1])
        print(f"isolation costs {ratio:.1f}x the unsafe path's median")


if __name__ == "__main__":
    main()
