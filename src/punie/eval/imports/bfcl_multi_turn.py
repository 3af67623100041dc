"""BFCL v4's multi-turn categories as punie suites of stateful tools (kind `multi_turn`).

Each entry becomes a prompt: its user turns (`turns`), the classes it involves (`tool_classes`),
their initial configs (`initial_state`), and its ground truth as expected calls, one list per
user turn (`expected_turns`; BFCL writes them as Python call strings, positional arguments named
here from the method's own signature). A `miss_func` entry's held-out function is offered from
the turn that adds it (`tools_from_turn`), with BFCL's own message for that turn; the turn
before it expects no call, and a `miss_param` entry's turn that lacks a parameter too.

The classes stay in the installed `bfcl-eval` package (`tool_packages`): the suite maps each to
its module, and they run only in punie's sandbox, which may read that package directory (and
mpmath's, which BFCL's MathAPI imports) and nothing else of it.
"""

from __future__ import annotations

import ast
from typing import Any

from punie.errors import UsageError
from punie.eval.imports.bfcl import VERSION, read_jsonl
from punie.eval.imports.package_data import package_file
from punie.eval.tool_module import PackagedClass, ToolModule, module_tools, public_classes

CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
PACKAGE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
SOURCES = "eval_checker/multi_turn_eval/func_source_code"
ADDED_FUNCTIONS_TURN = "I have updated some more functions you can choose from. What about now?"  # BFCL's


def class_sources() -> dict[str, PackagedClass]:
    """Every public class of BFCL's multi-turn sources -> where it is (parsed, never imported)."""
    directory = package_file("bfcl_eval", f"{SOURCES}/__init__.py", "bfcl-eval").parent
    found: dict[str, PackagedClass] = {}
    for file in sorted(directory.glob("*.py")):
        source = file.read_text(encoding="utf-8")
        for name in public_classes(source):
            found.setdefault(name, PackagedClass(name, f"{PACKAGE}.{file.stem}", source))
    return found


def parse_call(text: str, parameters: dict[str, list[str]]) -> dict[str, Any]:
    """Pure: one ground-truth call string (`sort('a.txt')`, `cd(folder='x')`) as an expected
    call, its positional arguments named from `parameters` (each tool's, in order). A list
    value is wrapped in a list (one allowed value)."""
    node = ast.parse(text.strip(), mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"not a call of a tool by name: {text!r}")
    name = node.func.id
    order = parameters.get(name)
    if order is None:
        raise ValueError(f"{text!r} calls {name!r}, which no involved class offers")
    if len(node.args) > len(order):
        raise ValueError(f"{text!r} gives more positional arguments than {name} takes")
    arguments = {order[i]: ast.literal_eval(arg) for i, arg in enumerate(node.args)}
    arguments.update({k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg})
    return {"name": name, "arguments": {k: [v] if isinstance(v, list) else v for k, v in arguments.items()}}


def _parameters(classes: tuple[PackagedClass, ...]) -> dict[str, list[str]]:
    specs = module_tools(ToolModule("", "", packaged=classes))
    return {spec.name: list(spec.properties) for spec in specs}


def entry_prompt(
    category: str, entry: dict[str, Any], answer: dict[str, Any], sources: dict[str, PackagedClass]
) -> dict[str, Any]:
    """One suite prompt (a plain dict, as the suite file holds it) from one BFCL entry."""
    involved = list(entry["involved_classes"])
    parameters = _parameters(tuple(sources[c] for c in involved))
    added = {
        name: int(turn) + 1 for turn, names in entry.get("missed_function", {}).items() for name in names
    }
    turns = [
        "\n".join(m["content"] for m in messages if m["role"] == "user") or ADDED_FUNCTIONS_TURN
        for messages in entry["question"]
    ]
    config = entry.get("initial_config", {})
    prompt: dict[str, Any] = {
        "id": entry["id"],
        "category": f"bfcl_{category}",
        "tool_classes": involved,
        "initial_state": {c: config.get(c, {}) for c in involved if c in config},
        "turns": turns,
    }
    if added:
        prompt["tools_from_turn"] = added
    prompt["expected_turns"] = [[parse_call(c, parameters) for c in turn] for turn in answer["ground_truth"]]
    return prompt


def import_multi_turn(category: str, limit: int | None = None) -> dict[str, Any]:
    """The suite (a plain dict, ready for YAML) for one multi-turn category, its first `limit`
    entries."""
    if category not in CATEGORIES:
        raise UsageError(f"unknown BFCL multi-turn category {category!r} (known: {', '.join(CATEGORIES)})")
    entries = read_jsonl(package_file("bfcl_eval", f"data/{VERSION}_{category}.json", "bfcl-eval"))
    truth = package_file("bfcl_eval", f"data/possible_answer/{VERSION}_{category}.json", "bfcl-eval")
    answers = {a["id"]: a for a in read_jsonl(truth)}
    sources = class_sources()
    chosen = entries[:limit]
    prompts = [entry_prompt(category, e, answers[e["id"]], sources) for e in chosen]
    used = sorted({c for e in chosen for c in e["involved_classes"]})
    packages = [PACKAGE, *(["mpmath"] if any("import mpmath" in sources[c].source for c in used) else [])]
    suite: dict[str, Any] = {
        "name": f"bfcl-{category}",
        "source": f"{VERSION} {category} from the bfcl-eval package ({len(prompts)} of {len(entries)} "
        "entries); the tool classes stay in the package and run only in punie's sandbox",
        "tool_packages": packages,
        "tool_classes": {c: sources[c].module for c in used},
    }
    if "long_context" in category:
        suite["tool_options"] = {"long_context": True}
    return {
        **suite,
        "categories": {f"bfcl_{category}": {"kind": "multi_turn", "label": f"BFCL {category}"}},
        "prompts": prompts,
    }
