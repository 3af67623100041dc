"""Code generation: one completion; its code runs its hidden tests in the OS sandbox."""

from __future__ import annotations

from punie.eval.answer_score import extract_code, strip_think
from punie.eval.code_exec import run_sandboxed
from punie.eval.kinds.base import Fail, Fields, Kind, Prompt, Verdict
from punie.eval.response import RecordedResponse
from punie.sandbox.limits import SandboxLimits

FAILURES = ("tests_failed", "tests_timeout")
SOLUTION_FILE = "solution.py"
TESTS_FILE = "hidden_tests.py"
TESTS_PRELUDE = "from solution import *  # noqa\n\n"


def check(fields: Fields, fail: Fail, prompt_id: str) -> Fields:
    tests = fields.tests
    if not isinstance(tests, str) or not tests.strip():
        raise fail("tests", "a code_generation prompt needs hidden unit tests")
    try:
        compile(tests, f"{prompt_id}/tests", "exec")
    except SyntaxError as exc:
        raise fail("tests", f"not valid Python: {exc.msg} (line {exc.lineno})") from None
    return fields


def score(prompt: Prompt, response: RecordedResponse, limits: SandboxLimits) -> Verdict:
    code = (prompt.context + "\n\n" if prompt.context else "") + extract_code(strip_think(response.text))
    files = {SOLUTION_FILE: code, TESTS_FILE: TESTS_PRELUDE + (prompt.tests or "")}
    outcome = run_sandboxed(files, TESTS_FILE, limits)
    if outcome.timed_out:
        return False, "tests_timeout", f"hidden tests timed out after {limits.wall_seconds:g} s"
    if outcome.passed:
        return True, None, "hidden tests passed"
    if outcome.exit_code == 0:
        return False, "tests_failed", "exited 0 before the hidden tests completed (no completion marker)"
    if outcome.output_truncated and outcome.exit_code is None:
        return False, "tests_failed", "killed: wrote more output than the sandbox allows"
    lines = [line for line in outcome.stderr.strip().splitlines() if line.strip()]
    return False, "tests_failed", (lines[-1] if lines else f"exit code {outcome.exit_code}")[:300]


CODE_GENERATION = Kind(
    "code_generation",
    "single",
    "Code Gen",
    check,
    score,
    runs_code=lambda prompt: bool(prompt.tests),
    position=20,
)
