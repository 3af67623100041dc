"""BFCL's own multi-turn checker beside punie's `multi_turn` kind, on BFCL's multi-turn data with
altered ground truths and real model outputs.

Shared by the CI test (a sample of entries) and benchmarks/bfcl_multi_turn_agreement.py (every
entry). A model's answer is, as BFCL holds it, one list per user turn of steps (model turns),
each a list of call strings. BFCL's `multi_turn_checker` (imported from the installed
bfcl-eval) runs them with `eval` in this process, so every answer given to it is first checked to
be plain calls of a tool by name with literal arguments (`plain_call`): the data is ours and
reviewed, never a live model's. punie scores the same answer, as the structured calls an endpoint
returns, with its `multi_turn` kind on the suite `punie suite import bfcl` writes, in its sandbox.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.eval.imports.bfcl_multi_turn import import_multi_turn
from punie.eval.imports.importers import suite_yaml
from punie.eval.kinds import KINDS
from punie.eval.response import RecordedResponse, Turn
from punie.eval.suite import EvalPrompt
from punie.eval.suite_load import parse_suite
from punie.eval.tool_module import module_tools
from punie.sandbox import SandboxLimits

Answer = list[list[list[str]]]  # per user turn, per step, the call strings
CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
MODEL_OUTPUTS = Path(__file__).parent / "data" / "multi_turn_model_outputs.json"
LIMITS = SandboxLimits(wall_seconds=30)


@dataclass(frozen=True)
class Verdict:
    entry: str
    variant: str
    bfcl: bool
    punie: bool
    reason: str  # BFCL's error type and punie's reason, for a disagreement's explanation


def plain_call(text: str) -> bool:
    """A call of a tool by name with literal arguments only: what `eval` may safely be given."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            return False
        for value in [*node.args, *(k.value for k in node.keywords)]:
            ast.literal_eval(value)
        return all(k.arg for k in node.keywords)
    except (SyntaxError, ValueError):
        return False


def structured(text: str, order: dict[str, list[str]]) -> dict[str, Any]:
    """One call string as an OpenAI tool call, positional arguments named from the tool's schema."""
    node = ast.parse(text.strip(), mode="eval").body
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    names = order.get(node.func.id, [])
    arguments = {
        names[i] if i < len(names) else f"arg{i}": ast.literal_eval(a) for i, a in enumerate(node.args)
    }
    arguments.update({k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg})
    return {"type": "function", "function": {"name": node.func.id, "arguments": json.dumps(arguments)}}


def response(answer: Answer, order: dict[str, list[str]]) -> RecordedResponse:
    turns = []
    for index, steps in enumerate(answer):
        for step in steps:
            calls = tuple(structured(c, order) for c in step)
            turns.append(Turn("", calls, "tool_calls", user_turn=index))
        turns.append(Turn("Done.", user_turn=index))
    return RecordedResponse(tuple(turns))


def _with(answer: list[list[str]], turn: int, calls: list[str]) -> list[list[str]]:
    return [calls if i == turn else list(t) for i, t in enumerate(answer)]


def _wrong(call: str) -> str | None:
    """The call with its first argument's value changed (a string extended, a number + 1, a
    boolean flipped), or None when it has no argument."""
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call)
    values = [*node.args, *(k.value for k in node.keywords)]
    if not values:
        return None
    target = values[0]
    value = ast.literal_eval(target)
    changed = (
        (not value)
        if isinstance(value, bool)
        else value + 1
        if isinstance(value, int | float)
        else f"{value}_x"
        if isinstance(value, str)
        else [*value, "x"]
        if isinstance(value, list)
        else None
    )
    if changed is None:
        return None
    replacement = (
        ast.Constant(changed) if not isinstance(changed, list) else ast.parse(repr(changed), mode="eval").body
    )
    if target in node.args:
        node.args[node.args.index(target)] = replacement
    else:
        next(k for k in node.keywords if k.value is target).value = replacement
    return ast.unparse(node)


def variants(truth: list[list[str]]) -> Iterator[tuple[str, list[list[str]]]]:
    """The ground truth (per turn, its calls) and answers altered from it, turn by turn."""
    yield "truth", truth
    judged = [i for i, t in enumerate(truth) if t][:2]
    for k in judged:
        calls = truth[k]
        yield f"t{k}:dropped_last", _with(truth, k, calls[:-1])
        yield f"t{k}:dropped_first", _with(truth, k, calls[1:])
        yield f"t{k}:no_call", _with(truth, k, [])
        yield f"t{k}:extra_repeat", _with(truth, k, [*calls, calls[-1]])
        if len(calls) > 1:
            yield f"t{k}:reordered", _with(truth, k, calls[::-1])
        wrong = _wrong(calls[0])
        if wrong is not None:
            yield f"t{k}:wrong_argument", _with(truth, k, [wrong, *calls[1:]])
        if k + 1 < len(truth):
            late = _with(truth, k, [])
            yield f"t{k}:late", _with(late, k + 1, [*calls, *truth[k + 1]])
            yield f"t{k}:early", _with(_with(truth, k, [*calls, *truth[k + 1]]), k + 1, [])
        other = next((c for t in truth for c in t if c.split("(")[0] != calls[0].split("(")[0]), None)
        if other is not None:
            yield f"t{k}:extra_other", _with(truth, k, [*calls, other])


def as_steps(answer: list[list[str]], stepwise: bool) -> Answer:
    """Each turn's calls in one step, or (stepwise) one step per call, as a model may make them."""
    return [[[c] for c in turn] if stepwise else ([list(turn)] if turn else []) for turn in answer]


class BfclChecker:
    """BFCL's `multi_turn_checker`, each answer under a model name of its own (BFCL keeps its
    instances in a module global by model name and entry id); removed again after each answer."""

    def __init__(self) -> None:
        from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils
        from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import multi_turn_checker

        self.check, self.store, self.count = multi_turn_checker, vars(multi_turn_utils), 0

    def __call__(self, answer: Answer, truth: list[list[str]], entry: dict[str, Any]) -> tuple[bool, str]:
        assert all(plain_call(c) for turn in answer for step in turn for c in step)
        self.count += 1
        name = f"punie_agreement_{self.count}"
        try:
            result = self.check(answer, truth, entry, entry["id"].rsplit("_", 1)[0], name)
        finally:
            for key in [k for k in self.store if k.startswith(name)]:
                del self.store[key]
        return bool(result["valid"]), str(result.get("error_type", ""))


def category_data(
    category: str, limit: int | None
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, EvalPrompt]]:
    """BFCL's entries (first `limit`), their ground truths by id, and punie's imported prompts by id."""
    from punie.eval.imports.bfcl import VERSION, read_jsonl
    from punie.eval.imports.package_data import package_file

    entries = read_jsonl(package_file("bfcl_eval", f"data/{VERSION}_{category}.json", "bfcl-eval"))[:limit]
    truth_file = package_file("bfcl_eval", f"data/possible_answer/{VERSION}_{category}.json", "bfcl-eval")
    truths = {a["id"]: a["ground_truth"] for a in read_jsonl(truth_file)}
    suite = parse_suite(suite_yaml(import_multi_turn(category, limit)), f"bfcl-{category}.yaml", category)
    return entries, truths, {p.id: p for p in suite.prompts}


def model_outputs() -> dict[str, dict[str, Answer]]:
    """Real answers of models run by punie (entry id -> run -> answer), checked in."""
    if not MODEL_OUTPUTS.is_file():
        return {}
    return json.loads(MODEL_OUTPUTS.read_text(encoding="utf-8"))


def compare_category(category: str, limit: int | None) -> Iterator[Verdict]:
    entries, truths, prompts = category_data(category, limit)
    bfcl = BfclChecker()
    real = model_outputs()
    for entry in entries:
        prompt = prompts[entry["id"]]
        assert prompt.tool_module is not None
        order = {s.name: list(s.properties) for s in module_tools(prompt.tool_module)}
        truth = truths[entry["id"]]
        answers = [
            (f"{name}{':stepwise' if stepwise else ''}", as_steps(answer, stepwise))
            for name, answer in variants(truth)
            for stepwise in ((False, True) if name == "truth" else (False,))
        ]
        answers += [(f"model:{run}", answer) for run, answer in real.get(entry["id"], {}).items()]
        for variant, answer in answers:
            passed, error = bfcl(answer, truth, entry)
            mine, _, reason = KINDS["multi_turn"].score(prompt, response(answer, order), LIMITS)
            yield Verdict(entry["id"], variant, passed, mine, f"BFCL {error or 'valid'}; punie: {reason}")
