"""Evaluation prompts and suites: frozen dataclasses inside, YAML or JSONL files at the edges.

A suite file is either YAML (a list of prompts, or a mapping with `name`, `workspace` and
`prompts`) or JSONL (one prompt per line). Expected arguments map each name to one value or to a
list of allowed alternatives; wrap a list-valued argument in another list (`[[1, 2]]`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from punie.data.agent_tools import AGENT_TOOLS
from punie.errors import UsageError
from punie.eval.tool_score import ExpectedCall

Category = Literal["tool_calling", "code_generation", "reasoning"]
CATEGORIES: tuple[Category, ...] = ("tool_calling", "code_generation", "reasoning")
TOOL_NAMES = {tool["function"]["name"] for tool in AGENT_TOOLS}
BUILTIN = "builtin"


@dataclass(frozen=True)
class EvalPrompt:
    id: str
    category: Category
    prompt_text: str
    expected_tool_calls: tuple[str, ...] = ()  # the seed's field: names of the tools wanted
    expected_keywords: tuple[str, ...] = ()  # secondary signal only
    expected_calls: tuple[ExpectedCall, ...] = ()
    no_tool: bool = False  # a tool-calling prompt where the right move is not to call
    tools: tuple[str, ...] = ()  # names of the tools offered
    tests: str | None = None  # hidden unit tests for code prompts (plain asserts)
    expected_answer: str | None = None  # reasoning prompts

    def tool_schemas(self) -> list[dict[str, Any]]:
        return [tool for tool in AGENT_TOOLS if tool["function"]["name"] in self.tools]


@dataclass(frozen=True)
class EvalSuite:
    name: str
    prompts: tuple[EvalPrompt, ...]
    workspace: Mapping[str, str] = field(default_factory=dict)  # files every agent workspace starts with

    def by_category(self) -> dict[str, list[EvalPrompt]]:
        groups: dict[str, list[EvalPrompt]] = {c: [] for c in CATEGORIES}
        for prompt in self.prompts:
            groups[prompt.category].append(prompt)
        return {name: items for name, items in groups.items() if items}

    def suite_hash(self) -> str:
        canonical = json.dumps(
            {"prompts": [asdict(p) for p in self.prompts], "workspace": dict(self.workspace)},
            sort_keys=True,
            default=sorted,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def get(self, prompt_id: str) -> EvalPrompt:
        for prompt in self.prompts:
            if prompt.id == prompt_id:
                return prompt
        raise KeyError(prompt_id)


class _Where:
    def __init__(self, file: str, line: int) -> None:
        self.file, self.line = file, line

    def fail(self, name: str, message: str) -> UsageError:
        return UsageError(f"{self.file}:{self.line}: {name}: {message}")


def _strings(value: Any, name: str, where: _Where) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise where.fail(name, "must be a list of strings")
    return tuple(value)


def _expected_call(raw: Any, index: int, where: _Where) -> ExpectedCall:
    name = f"expected_calls[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise where.fail(name, "must be a mapping with a string `name`")
    if raw["name"] not in TOOL_NAMES:
        raise where.fail(f"{name}.name", f"unknown tool {raw['name']!r} (known: {sorted(TOOL_NAMES)})")
    arguments = raw.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise where.fail(f"{name}.arguments", "must be a mapping")
    allowed = {k: tuple(v) if isinstance(v, list) else (v,) for k, v in arguments.items()}
    optional = frozenset(_strings(raw.get("optional"), f"{name}.optional", where))
    unknown = set(raw) - {"name", "arguments", "optional"}
    if unknown:
        raise where.fail(name, f"unknown key(s) {sorted(unknown)}")
    return ExpectedCall(raw["name"], allowed, optional)


KNOWN_KEYS = {
    "id",
    "category",
    "prompt_text",
    "expected_tool_calls",
    "expected_keywords",
    "expected_calls",
    "no_tool",
    "tools",
    "tests",
    "expected_answer",
}


def prompt_from_dict(raw: Any, where: _Where) -> EvalPrompt:
    """Validate one prompt record; errors name the file, line and field."""
    if not isinstance(raw, dict):
        raise where.fail("prompt", "must be a mapping")
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise where.fail(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(KNOWN_KEYS))})")
    for key in ("id", "category", "prompt_text"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise where.fail(key, "required, a non-empty string")
    category = raw["category"]
    if category not in CATEGORIES:
        raise where.fail("category", f"{category!r} is not one of {', '.join(CATEGORIES)}")
    calls_raw = raw.get("expected_calls") or []
    if not isinstance(calls_raw, list):
        raise where.fail("expected_calls", "must be a list")
    calls = tuple(_expected_call(c, i, where) for i, c in enumerate(calls_raw))
    no_tool = raw.get("no_tool", False)
    if not isinstance(no_tool, bool):
        raise where.fail("no_tool", "must be true or false")
    tools = _strings(raw.get("tools"), "tools", where)
    for tool in tools:
        if tool not in TOOL_NAMES:
            raise where.fail("tools", f"unknown tool {tool!r} (known: {sorted(TOOL_NAMES)})")
    if category == "tool_calling":
        if not calls and not no_tool:
            raise where.fail("expected_calls", "a tool_calling prompt needs expected_calls or no_tool: true")
        if calls and no_tool:
            raise where.fail("no_tool", "cannot be true when expected_calls are given")
        tools = tools or tuple(sorted(TOOL_NAMES))
        missing = {c.name for c in calls} - set(tools)
        if missing:
            raise where.fail("tools", f"expected tool(s) {sorted(missing)} are not offered")
    tests = raw.get("tests")
    if category == "code_generation":
        if not isinstance(tests, str) or not tests.strip():
            raise where.fail("tests", "a code_generation prompt needs hidden unit tests")
        try:
            compile(tests, f"{raw['id']}/tests", "exec")
        except SyntaxError as exc:
            raise where.fail("tests", f"not valid Python: {exc.msg} (line {exc.lineno})") from None
    answer = raw.get("expected_answer")
    if category == "reasoning" and (answer is None or not str(answer).strip()):
        raise where.fail("expected_answer", "a reasoning prompt needs an expected answer")
    names = _strings(raw.get("expected_tool_calls"), "expected_tool_calls", where)
    return EvalPrompt(
        id=raw["id"],
        category=category,
        prompt_text=raw["prompt_text"],
        expected_tool_calls=names or tuple(c.name for c in calls),
        expected_keywords=_strings(raw.get("expected_keywords"), "expected_keywords", where),
        expected_calls=calls,
        no_tool=no_tool,
        tools=tools,
        tests=tests,
        expected_answer=None if answer is None else str(answer),
    )


def _yaml_records(text: str, file: str) -> tuple[str | None, dict[str, str], list[tuple[int, Any]]]:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise UsageError(f"{file}:{line}: yaml: {getattr(exc, 'problem', exc)}") from None
    name, items, item_nodes = None, data, node
    workspace: Any = {}
    if isinstance(data, dict):
        name, workspace, items = data.get("name"), data.get("workspace") or {}, data.get("prompts")
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        item_nodes = next((v for k, v in pairs if k.value == "prompts"), None)
    if not isinstance(items, list) or not isinstance(item_nodes, yaml.SequenceNode):
        raise UsageError(f"{file}:1: prompts: expected a list of prompts")
    if not isinstance(workspace, dict) or not all(isinstance(v, str) for v in workspace.values()):
        raise UsageError(f"{file}:1: workspace: must map file paths to text")
    lines = [n.start_mark.line + 1 for n in item_nodes.value]
    return name, workspace, list(zip(lines, items, strict=True))


def _jsonl_records(text: str, file: str) -> list[tuple[int, Any]]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise UsageError(f"{file}:{number}: json: {exc.msg} (column {exc.colno})") from None
    return records


def parse_suite(text: str, file: str, default_name: str) -> EvalSuite:
    """Pure: a suite from the text of a YAML or JSONL file (`file` names it in errors)."""
    workspace: dict[str, str] = {}
    name: str | None = None
    if file.endswith(".jsonl"):
        records = _jsonl_records(text, file)
    else:
        name, workspace, records = _yaml_records(text, file)
    prompts, seen = [], set()
    for line, raw in records:
        prompt = prompt_from_dict(raw, _Where(file, line))
        if prompt.id in seen:
            raise UsageError(f"{file}:{line}: id: duplicate id {prompt.id!r}")
        seen.add(prompt.id)
        prompts.append(prompt)
    if not prompts:
        raise UsageError(f"{file}:1: prompts: the suite has no prompts")
    return EvalSuite(str(name or default_name), tuple(prompts), dict(workspace))


def first_per_category(suite: EvalSuite, count: int | None) -> EvalSuite:
    """Pure: the first `count` prompts of each category (the suite itself for None or 0)."""
    if not count:
        return suite
    keep = {p.id for prompts in suite.by_category().values() for p in prompts[:count]}
    return EvalSuite(suite.name, tuple(p for p in suite.prompts if p.id in keep), suite.workspace)


def load_suite(source: str | Path = BUILTIN) -> EvalSuite:
    """The built-in suite (`"builtin"`) or a YAML/JSONL suite file."""
    if str(source) == BUILTIN:
        text = resources.files("punie.eval").joinpath("builtin_suite.yaml").read_text(encoding="utf-8")
        return parse_suite(text, "builtin_suite.yaml", BUILTIN)
    path = Path(source)
    if not path.is_file():
        raise UsageError(f"{path}: no such suite file (use 'builtin' or a .yaml/.jsonl file)")
    return parse_suite(path.read_text(encoding="utf-8"), str(path), path.stem)
