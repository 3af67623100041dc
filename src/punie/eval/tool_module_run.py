"""A suite's stateful tools, run: every call in `punie.sandbox` (OS isolation), never in this
process. The state of one prompt is kept across its calls and turns by replay: each sandboxed run
makes fresh instances from the initial state and makes every call so far again, in order, then
the new ones (the tools must be deterministic; `random` is seeded). A run costs one sandbox start
(about 80 ms here, benchmarks/README.md) per model turn.

A module that raises, hangs, prints garbage or dies gives the model an error result; the prompt
goes on (`Replay.error`), and the run never stops for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from punie.eval.tool_module import ToolModule
from punie.eval.tool_parse import Call
from punie.sandbox import ExecRequest, SandboxLimits, execute
from punie.sandbox.interpreter import sandbox_python
from punie.sandbox.tool_module_main import MARKER

RUNNER = Path(__file__).parent.parent.joinpath("sandbox", "tool_module_main.py").read_text(encoding="utf-8")
SPEC = "punie-tool-calls.json"
State = Mapping[str, Any]  # class name -> its public attributes, as plain data


STATES = ("all", "last", "none")  # which states after a batch come back
RESULTS = ("all", "last", "digest")  # every batch's results, the last batch's, or digests of all


@dataclass(frozen=True)
class Replay:
    results: tuple[tuple[str, ...], ...] = ()  # each batch's calls' results (or their digests)
    states: tuple[State, ...] = ()  # the state after each batch (or the last only, or none)
    initial: State = field(default_factory=dict)  # the state before any call
    error: str | None = None  # why no result came back (the module failed, hung, or died)
    expected_results: tuple[tuple[tuple[str, str], ...], ...] = ()  # (digest, its start) per result
    differences: tuple[tuple[str, str, str, str] | None, ...] = ()  # per compared pair: the first

    def result_of(self, batch: int, index: int) -> str:
        if self.error is not None:
            return f"error: {self.error}"
        return self.results[batch][index]


@dataclass(frozen=True)
class Expected:
    """A second set of instances making `batches`; each of `compare` ([a batch of the first set,
    a batch of this one]; -1: before any) is judged by the classes' own `==`."""

    batches: Sequence[Sequence[Call]]
    compare: Sequence[tuple[int, int]]


def _calls(batches: Sequence[Sequence[Call]]) -> list[list[dict[str, Any]]]:
    return [[{"name": c.name, "arguments": dict(c.arguments)} for c in batch] for batch in batches]


def spec_text(
    module: ToolModule,
    initial: State,
    batches: Sequence[Sequence[Call]],
    expected: Expected | None = None,
    states: str = "all",
    results: str = "all",
) -> str:
    """Pure: what the sandboxed runner reads."""
    if states not in STATES or results not in RESULTS:
        raise ValueError(f"states {states!r} or results {results!r} is not one of {STATES} / {RESULTS}")
    spec: dict[str, Any] = {
        "classes": [[name, home] for name, home in module.class_modules().items()],
        "packages": [list(p) for p in module.packages],
        "load_options": dict(module.load_options),
        "initial_state": dict(initial),
        "batches": _calls(batches),
        "states": states,
        "results": results,
    }
    if expected is not None:
        spec["expected"] = _calls(expected.batches)
        spec["compare"] = [list(pair) for pair in expected.compare]
    return json.dumps(spec)


def parse_output(
    stdout: str, timed_out: bool, exit_code: int | None, batches: int, stderr: str = "", states: str = "all"
) -> Replay:
    """Pure: the runner's answer, or why there is none (with the sandbox's own last note, such as
    `[disk limit reached: killed]`: the module's own stderr goes nowhere)."""
    if timed_out:
        return Replay(error="the tool module ran past the sandbox's time limit")
    _, marker, body = stdout.rpartition(f"\n{MARKER}\n")
    if not marker:
        notes = [line for line in stderr.splitlines() if line.startswith("[") and line.endswith("]")]
        why = f" {notes[-1]}" if notes else ""
        return Replay(error=f"the tool module's process ended without an answer (exit code {exit_code}){why}")
    try:
        data = json.loads(body)
        if data.get("error"):
            return Replay(error=str(data["error"]))
        results = tuple(tuple(str(r) for r in batch) for batch in data["results"])
        kept = tuple(dict(s) for s in data["states"])
        initial = dict(data["initial"])
        expected = tuple(
            tuple((str(digest), str(shown)) for digest, shown in batch)
            for batch in data.get("expected_results", [])
        )
        differences = tuple(
            None if d is None else (str(d[0]), str(d[1]), str(d[2]), str(d[3]))
            for d in data.get("differences", [])
        )
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return Replay(error="the tool module's process answered with something unreadable")
    want = {"all": batches, "last": min(batches, 1), "none": 0}[states]
    if len(results) != batches or len(kept) != want:
        return Replay(error="the tool module's process answered for the wrong number of turns")
    return Replay(results, kept, initial, None, expected, differences)


def replay(
    module: ToolModule,
    initial: State,
    batches: Sequence[Sequence[Call]],
    limits: SandboxLimits,
    expected: Expected | None = None,
    states: str = "all",
    results: str = "all",
) -> Replay:
    """Make `batches` of calls on fresh instances of `module`'s classes, in the sandbox (and
    `expected`'s on other fresh instances, compared with the first)."""
    files = {SPEC: spec_text(module, initial, batches, expected, states, results)}
    if module.file:
        files[module.file] = module.source
    argv = (sandbox_python(), "-I", "-S", "-c", RUNNER, SPEC)
    reads = tuple(directory for _, directory in module.packages)
    result = execute(ExecRequest(argv, files=files, read_paths=reads), limits)
    return parse_output(
        result.stdout, result.timed_out, result.exit_code, len(batches), result.stderr, states
    )


@dataclass
class ToolSession:
    """One prompt's stateful tools: the calls made so far, model turn by model turn."""

    module: ToolModule
    initial: State
    limits: SandboxLimits
    history: list[tuple[Call, ...]] = field(default_factory=list)

    def call(self, calls: Sequence[Call]) -> tuple[str, ...]:
        """Make this model turn's `calls` after every earlier one; their results (errors as text)."""
        batches = [*self.history, tuple(calls)]
        outcome = replay(self.module, self.initial, batches, self.limits, states="none", results="last")
        self.history.append(tuple(calls))
        return tuple(outcome.result_of(len(batches) - 1, i) for i in range(len(calls)))
