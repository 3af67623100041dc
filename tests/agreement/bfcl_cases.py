"""BFCL's own AST checker beside punie's scorer, on BFCL's data and systematically altered answers.

Shared by the CI test (a sample) and benchmarks/bfcl_agreement.py (every question).
"""

from __future__ import annotations

import copy
import sys
import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from punie.eval.categories import Category
from punie.eval.imports.bfcl import bfcl_files, bfcl_prompt, read_jsonl, unsatisfiable
from punie.eval.suite_prompt import prompt_from_dict
from punie.eval.tool_parse import Call, ParsedCalls
from punie.eval.tool_score import ToolRules, score_tool_calls

Output = list[dict[str, dict[str, Any]]]  # BFCL's decoded model output: [{name: {arg: value}}]


def bfcl_checker() -> Callable[..., dict[str, Any]]:
    """BFCL's `ast_checker`, imported from the installed package. Its module `model_config` imports
    every model vendor's SDK only to say whether a provider rewrites '.' in function names; punie
    sends names unchanged, so that one module is replaced by a mapping that says no."""
    name = "bfcl_eval.constants.model_config"
    if name not in sys.modules:
        stub = types.ModuleType(name)
        stub.MODEL_CONFIG_MAPPING = defaultdict(lambda: types.SimpleNamespace(underscore_to_dot=False))  # type: ignore[attr-defined]
        sys.modules[name] = stub
    from bfcl_eval.constants.enums import Language
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker

    def check(
        functions: list[dict[str, Any]], output: Output, answer: list[Any], category: str
    ) -> dict[str, Any]:
        return ast_checker(functions, output, answer, Language.PYTHON, category, "punie")

    return check


def _concrete(value: Any, last: bool) -> Any:
    """A value a model would send for an answer alternative: BFCL writes dict arguments as
    {key: [alternatives]}; pick one alternative per key (leaving out keys that may be omitted)."""
    if isinstance(value, dict):
        out = {}
        for key, alts in value.items():
            real = [a for a in alts if a != ""] if isinstance(alts, list) else [alts]
            if real:
                out[key] = _concrete(real[-1] if last else real[0], last)
        return out
    if isinstance(value, list):
        return [_concrete(item, last) if isinstance(item, dict) else item for item in value]
    return value


def truth(answer: list[dict[str, dict[str, list[Any]]]], last: bool = False) -> Output:
    out = []
    for call in answer:
        for name, params in call.items():
            args = {}
            for param, alts in params.items():
                real = [a for a in alts if a != ""]
                if real:
                    args[param] = _concrete(copy.deepcopy(real[-1] if last else real[0]), last)
            out.append({name: args})
    return out


def _params(function: dict[str, Any]) -> dict[str, Any]:
    return function["parameters"].get("properties", {})


def mutations(functions: list[dict[str, Any]], answer: list[Any]) -> Iterator[tuple[str, Output]]:
    """The ground truth, and variants a model could plausibly produce."""
    base = truth(answer)
    schemas = {f["name"]: f for f in functions}
    yield "truth", base
    yield "last alternative", truth(answer, last=True)
    minimal = [
        {n: {p: v for p, v in a.items() if "" not in answer[i][n].get(p, [])}}
        for i, c in enumerate(base)
        for n, a in c.items()
    ]
    yield "optional left out", minimal
    yield "no call", []
    yield "extra call", base + base[:1]
    if len(base) > 1:
        yield "reordered", list(reversed(base))
        yield "one call dropped", base[:-1]
    for index, call in enumerate(base):
        name, args = next(iter(call.items()))
        props = _params(schemas.get(name, {"parameters": {}}))

        def variant(
            new_name: str | None = None,
            new_args: dict[str, Any] | None = None,
            index: int = index,
            name: str = name,
            args: dict[str, Any] = args,
        ) -> Output:
            out = copy.deepcopy(base)
            out[index] = {new_name or name: args if new_args is None else new_args}
            return out

        yield f"{index}: wrong name", variant(new_name=name + "_v2")
        yield f"{index}: unexpected argument", variant(new_args={**args, "unexpected_arg": 1})
        for required in schemas.get(name, {"parameters": {}})["parameters"].get("required", [])[:1]:
            yield (
                f"{index}: missing {required}",
                variant(new_args={k: v for k, v in args.items() if k != required}),
            )
        for param, value in list(args.items())[:3]:
            kind = props.get(param, {}).get("type")
            changed = {
                "int->float": float(value) if type(value) is int else None,
                "float->int": int(value) if type(value) is float else None,
                "number->str": str(value) if type(value) in (int, float) else None,
                "bool->int": int(value) if type(value) is bool else None,
                "str->int": 7 if isinstance(value, str) else None,
                "upper": value.upper() if isinstance(value, str) else None,
                "punctuated": f" {value}. " if isinstance(value, str) else None,
                "spaced": value.replace(" ", "  ") if isinstance(value, str) else None,
                "wrong str": value + "x" if isinstance(value, str) else None,
                "plus one": value + 1 if type(value) in (int, float) else None,
                "reversed list": list(reversed(value))
                if isinstance(value, list) and len(value) > 1
                else None,
                "upper list": [v.upper() if isinstance(v, str) else v for v in value]
                if isinstance(value, list)
                else None,
                "list->str": str(value) if isinstance(value, list) else None,
                "dict key dropped": dict(list(value.items())[1:])
                if isinstance(value, dict) and value
                else None,
                "dict key added": {**value, "extra_key": 1} if isinstance(value, dict) else None,
                "dict upper": {k: v.upper() if isinstance(v, str) else v for k, v in value.items()}
                if isinstance(value, dict)
                else None,
                "null": None if value is not None else 0,
            }
            for label, new in changed.items():
                if new is not None or label == "null":
                    yield f"{index}: {param} ({kind}) {label}", variant(new_args={**args, param: new})


@dataclass(frozen=True)
class Verdicts:
    category: str
    question: str
    variant: str
    bfcl: bool
    punie: bool
    reason: str


def compare_category(category: str, limit: int | None = None) -> Iterator[Verdicts]:
    check = bfcl_checker()
    questions_path, answers_path = bfcl_files(category)
    answers = {a["id"]: a for a in read_jsonl(answers_path)} if answers_path else {}
    questions = [q for q in read_jsonl(questions_path) if not unsatisfiable(q, answers.get(q["id"]))]
    for question in questions[:limit]:
        answer = answers.get(question["id"])
        raw = bfcl_prompt(category, question, answer)
        categories = {raw["category"]: Category(raw["category"], "tool_calling", category)}
        prompt = prompt_from_dict(raw, None, None, "bfcl", categories)
        tools = {spec.name: spec for spec in prompt.tool_specs}
        if answer is None:  # irrelevance: BFCL passes an answer with no call
            name = question["function"][0]["name"] if question["function"] else "some_tool"
            outputs = [("no call", []), ("a call", [{name: {}}])]
        else:
            outputs = list(mutations(question["function"], answer["ground_truth"]))
        for label, output in outputs:
            if answer is None:
                reference = not output
            else:
                try:
                    reference = bool(
                        check(question["function"], output, answer["ground_truth"], category)["valid"]
                    )
                except (KeyError, TypeError, AttributeError, IndexError):
                    continue  # BFCL's checker itself cannot judge this output
            calls = tuple(Call(name, args) for call in output for name, args in call.items())
            parsed = ParsedCalls(calls, "structured" if calls else "none")
            ours = score_tool_calls(
                prompt.expected_calls, parsed, [calls], tools, ToolRules("bfcl", prompt.ordered)
            )
            yield Verdicts(category, question["id"], label, reference, ours.passed, ours.reason)
