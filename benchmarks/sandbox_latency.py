"""Seconds to score one correct HumanEval-style answer: each OS sandbox backend vs no isolation.

    uv run python benchmarks/sandbox_latency.py [--runs 30]

Every row runs the same hidden tests under the completion-marker harness, as `score_prompt` does:
through the Linux namespaces backend, the Linux Landlock backend (the one used where user
namespaces are refused), and the `--unsafe-exec` path (rlimits only), interleaved run by run so
that a noisy machine weighs on every row alike; the ratios say what the isolation costs.
"""

from __future__ import annotations

import argparse
import functools
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
    unsafe_limits = SandboxLimits(unsafe_exec=True)
    runners: dict[str, Callable[[], SandboxResult]] = {}
    if found.backend in (linux.BACKEND, linux.LANDLOCK_BACKEND) and found.available:
        for backend in (linux.BACKEND, linux.LANDLOCK_BACKEND):
            try:
                linux.run(request(), SandboxLimits(), backend)
            except linux.SandboxSetupError as exc:
                print(f"{backend}: not available here ({exc})")
                continue
            runners[backend] = functools.partial(lambda b: linux.run(request(), SandboxLimits(), b), backend)
    runners["unsafe (no isolation)"] = lambda: unsafe.run(request(), unsafe_limits, sandbox_env())
    rows: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.runs):  # interleaved: each round times every row once
        for name, run in runners.items():
            rows[name].extend(timed(run, 1))
    print(f"{'backend':<24} {'median s':>9} {'p90 s':>7} {'max s':>7}  (n = {args.runs} each)")
    for name, seconds in rows.items():
        p90 = statistics.quantiles(seconds, n=10)[-1]
        print(f"{name:<24} {statistics.median(seconds):9.3f} {p90:7.3f} {max(seconds):7.3f}")
    bare = statistics.median(rows["unsafe (no isolation)"])
    for name, seconds in rows.items():
        if name != "unsafe (no isolation)":
            print(f"{name} costs {statistics.median(seconds) / bare:.1f}x the unsafe path's median")


if __name__ == "__main__":
    main()
