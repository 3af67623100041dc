"""BFCL (Berkeley Function Calling Leaderboard) categories as punie suites, from `bfcl-eval`'s data.

Each question becomes a tool-calling prompt: its messages, its functions as inline schemas (BFCL's
Python type names turned into JSON-schema ones: float -> number, tuple -> array, dict -> object,
any -> string), and its ground truth as expected calls (BFCL's "" alternative -> optional). The
suite uses `string_match: bfcl`, BFCL's own string rule. `irrelevance` questions expect no call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.eval.imports.package_data import package_file
from punie.eval.tool_match import OPTIONAL
from punie.eval.tool_schema import to_json_schema

CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "irrelevance",
    "live_irrelevance",
)
VERSION = "BFCL_v4"
NEEDS_NETWORK = ("web_search", "memory")  # a search API; a downloaded embedding model


def refuse_offline(category: str, offline: tuple[str, ...]) -> None:
    """A one-line refusal of the categories that need the network, naming the `offline` ones."""
    if category.startswith(NEEDS_NETWORK):
        raise UsageError(
            f"BFCL's {category} needs the network (a web search API or a downloaded embedding model): "
            f"punie imports only the offline multi-turn categories ({', '.join(offline)})"
        )


def bfcl_files(category: str) -> tuple[Path, Path | None]:
    if category not in CATEGORIES:
        raise UsageError(f"unknown BFCL category {category!r} (known: {', '.join(CATEGORIES)})")
    questions = package_file("bfcl_eval", f"data/{VERSION}_{category}.json", "bfcl-eval")
    if "irrelevance" in category:
        return questions, None
    return questions, package_file(
        "bfcl_eval", f"data/possible_answer/{VERSION}_{category}.json", "bfcl-eval"
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_call(name: str, answers: dict[str, list[Any]]) -> dict[str, Any]:
    arguments = {param: [a for a in alts if a != OPTIONAL] for param, alts in answers.items()}
    optional = sorted(param for param, alts in answers.items() if OPTIONAL in alts)
    out: dict[str, Any] = {"name": name, "arguments": arguments}
    if optional:
        out["optional"] = optional
    return out


def category_name(category: str) -> str:
    return f"bfcl_{category}"


def bfcl_prompt(category: str, question: dict[str, Any], answer: dict[str, Any] | None) -> dict[str, Any]:
    """One suite prompt (a plain dict, as the suite file holds it) from one BFCL record."""
    messages = [{"role": m["role"], "content": m["content"]} for m in question["question"][0]]
    tools = [to_json_schema(function) for function in question["function"]]
    prompt: dict[str, Any] = {
        "id": question["id"],
        "category": category_name(category),
        "messages": messages,
        "tools": tools,
    }
    if answer is None:
        prompt["no_tool"] = True
    else:
        prompt["expected_calls"] = [
            expected_call(name, args) for call in answer["ground_truth"] for name, args in call.items()
        ]
    return prompt


def unsatisfiable(question: dict[str, Any], answer: dict[str, Any] | None) -> bool:
    """A ground truth naming a parameter its own function lacks: no answer can pass BFCL's checker."""
    if answer is None:
        return False
    schemas = {f["name"]: f.get("parameters", {}).get("properties", {}) for f in question["function"]}
    return any(
        name not in schemas or any(param not in schemas[name] for param in args)
        for call in answer["ground_truth"]
        for name, args in call.items()
    )


def import_bfcl(category: str, limit: int | None = None) -> dict[str, Any]:
    """The suite (a plain dict, ready for YAML) for one BFCL category, its first `limit` questions.
    Questions no answer can pass (their ground truth names a parameter the schema lacks) are left
    out and counted in `source`."""
    questions_path, answers_path = bfcl_files(category)
    answers = {a["id"]: a for a in read_jsonl(answers_path)} if answers_path else {}
    questions = read_jsonl(questions_path)
    usable = [q for q in questions if not unsatisfiable(q, answers.get(q["id"]))]
    skipped = len(questions) - len(usable)
    prompts = [
        bfcl_prompt(category, q, answers.get(q["id"]) if answers_path else None) for q in usable[:limit]
    ]
    return {
        "name": f"bfcl-{category}",
        "source": f"{VERSION} {category} from the bfcl-eval package ({len(prompts)} questions; "
        f"{skipped} of the category left out: their ground truth names a parameter their schema lacks)",
        "string_match": "bfcl",
        "categories": {category_name(category): {"kind": "tool_calling", "label": f"BFCL {category}"}},
        "prompts": prompts,
    }
