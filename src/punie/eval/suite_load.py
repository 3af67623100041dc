"""Suite files -> `EvalSuite`: YAML (a list of prompts, or a mapping) or JSONL (a prompt a line).

A YAML mapping may give: `name`, `source` (a note), `workspace` (files every agent run starts
with), `tools` (OpenAI function schemas the prompts may offer by name), `tools_file` (the same, in
a JSON or YAML file beside the suite), `tool_module` (a Python file beside the suite whose classes
are stateful tools, run in the sandbox; `tool_classes` names which, all public ones by default),
`tool_packages` (installed packages whose classes are stateful tools, read in place: then
`tool_classes` maps each class to its module, and `tool_options` gives the keyword arguments of
each class's `_load_scenario`), `string_match` (`exact`, the default, or `bfcl`), and `prompts`.
Expected arguments map each name to one value or to a list of allowed alternatives; wrap a
list-valued argument in another list (`[[1, 2]]`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from punie.errors import UsageError
from punie.eval.categories import Category, category_from_dict
from punie.eval.suite import BUILTIN, EvalSuite
from punie.eval.suite_prompt import Where, prompt_from_dict
from punie.eval.tool_module import ToolModule, module_tools, public_classes
from punie.eval.tool_packages import package_directory, packaged_classes
from punie.eval.tool_schema import ToolSpec, tool_from_dict

SUITE_KEYS = {
    "name",
    "source",
    "workspace",
    "categories",
    "tools",
    "tools_file",
    "tool_module",
    "tool_classes",
    "tool_packages",
    "tool_options",
    "string_match",
    "prompts",
}


def yaml_error_line(exc: yaml.YAMLError, text: str) -> int:
    """The line a YAML error belongs to: where the parser gave up, unless the broken construct is a
    bracket or a quote (left open, it runs on to a later line or the end of the file) or the parser
    gave up at the end: then where that construct began."""
    problem, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    opened = any(word in str(getattr(exc, "context", "")) for word in ("flow", "quoted"))
    at_end = problem is not None and problem.index >= len(text.rstrip())
    mark = context if (opened or at_end or problem is None) and context is not None else problem
    return mark.line + 1 if mark is not None else 1


def header_lines(node: yaml.Node | None) -> dict[str, int]:
    """Pure: the line of each top-level key of a suite's mapping, and of each item of `tools`."""
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        lines[str(key.value)] = key.start_mark.line + 1
        if key.value == "tools" and isinstance(value, yaml.SequenceNode):
            lines.update({f"tools[{i}]": item.start_mark.line + 1 for i, item in enumerate(value.value)})
    return lines


def parse_yaml(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """The YAML's node tree (for line numbers) and its data, built from that one parse; an error
    is one line naming the file and the line it belongs to."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.SafeLoader("").construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", exc)
        context = getattr(exc, "context", None)
        detail = f"{problem} ({context} here)" if context and getattr(exc, "context_mark", None) else problem
        raise UsageError(f"{file}:{yaml_error_line(exc, text)}: yaml: {detail}") from None
    return node, data


def _yaml_records(text: str, file: str) -> tuple[dict[str, Any], list[tuple[int, Any]], dict[str, int]]:
    node, data = parse_yaml(text, file)
    lines = header_lines(node)
    header: dict[str, Any] = {}
    items, item_nodes = data, node
    if isinstance(data, dict):
        unknown = set(data) - SUITE_KEYS
        if unknown:
            first = sorted(unknown)[0]
            known = ", ".join(sorted(SUITE_KEYS))
            raise UsageError(f"{_at(file, lines, first)}: unknown suite key (known: {known})")
        header = {k: v for k, v in data.items() if k != "prompts"}
        items = data.get("prompts")
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        item_nodes = next((v for k, v in pairs if k.value == "prompts"), None)
    if not isinstance(items, list) or not isinstance(item_nodes, yaml.SequenceNode):
        raise UsageError(f"{_at(file, lines, 'prompts')}: expected a list of prompts")
    starts = [n.start_mark.line + 1 for n in item_nodes.value]
    return header, list(zip(starts, items, strict=True)), lines


def _at(file: str, lines: Mapping[str, int], key: str) -> str:
    """`file:line: key`, the line of that key in the suite's header (1 when it has none)."""
    return f"{file}:{lines.get(key, 1)}: {key}"


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


def _suite_tools(header: dict[str, Any], file: str, lines: Mapping[str, int]) -> dict[str, ToolSpec]:
    """The suite's declared tools: a `tools_file`'s, then the inline `tools`; an error names the
    file and the line of the tool it is about."""
    found: list[tuple[str, int, Any]] = []  # (file, line, the tool's schema)
    tools_file = header.get("tools_file")
    if tools_file is not None:
        path = _beside(file, str(tools_file), "tools_file", lines.get("tools_file", 1))
        if not path.is_file():
            raise UsageError(f"{_at(file, lines, 'tools_file')}: {path} does not exist")
        node, loaded = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        if not isinstance(loaded, list) or not isinstance(node, yaml.SequenceNode):
            raise UsageError(f"{path}:1: tools: expected a list of tool schemas")
        found += [
            (str(path), n.start_mark.line + 1, item) for n, item in zip(node.value, loaded, strict=True)
        ]
    inline = header.get("tools") or []
    if not isinstance(inline, list):
        raise UsageError(f"{_at(file, lines, 'tools')}: expected a list of tool schemas")
    found += [(file, lines.get(f"tools[{i}]", lines.get("tools", 1)), item) for i, item in enumerate(inline)]
    tools: dict[str, ToolSpec] = {}
    for index, (where, line, item) in enumerate(found):
        try:
            spec = tool_from_dict(item)
        except ValueError as exc:
            raise UsageError(f"{where}:{line}: tools[{index}]: {exc}") from None
        if spec.name in tools:
            raise UsageError(f"{where}:{line}: tools[{index}]: tool {spec.name!r} is declared twice")
        tools[spec.name] = spec
    return tools


def _beside(file: str, name: str, key: str = "tools_file", line: int = 1) -> Path:
    """`name` inside the suite file's own directory (links resolved); a suite someone sent you
    may not read anything else on this machine."""
    home = Path(file).parent.resolve()
    if "\0" in name or Path(name).is_absolute():
        raise UsageError(f"{file}:{line}: {key}: {name!r} must be a path inside the suite's directory")
    path = (home / name).resolve()
    if path != home and home not in path.parents:
        raise UsageError(f"{file}:{line}: {key}: {name!r} leaves the suite's directory {home}")
    return path


def _suite_module(header: dict[str, Any], file: str, lines: Mapping[str, int]) -> ToolModule | None:
    """The suite's stateful tools: a module beside it (its source read here, never imported)
    and/or classes from installed packages; None when it has none."""
    name, classes = header.get("tool_module"), header.get("tool_classes")
    packages = _tool_packages(header, file, lines)
    if name is None and not packages:
        if classes is not None or header.get("tool_options") is not None:
            raise UsageError(
                f"{_at(file, lines, 'tool_classes')}: give the tool_module or tool_packages they are in"
            )
        return None
    options = header.get("tool_options") or {}
    if not isinstance(options, dict) or not all(
        isinstance(v, bool | int | float | str) for v in options.values()
    ):
        raise UsageError(f"{_at(file, lines, 'tool_options')}: must map option names to plain values")
    if packages:
        if not isinstance(classes, dict) or not all(isinstance(v, str) for v in classes.values()):
            raise UsageError(
                f"{_at(file, lines, 'tool_classes')}: with tool_packages, map each class to its module"
            )
        try:
            packaged = packaged_classes({str(k): v for k, v in classes.items()}, packages)
        except ValueError as exc:
            raise UsageError(f"{_at(file, lines, 'tool_classes')}: {exc}") from None
        own = _own_module(name, None, file, lines) if name is not None else ToolModule("", "")
        return replace(
            own, packaged=packaged, packages=tuple(packages.items()), load_options=tuple(options.items())
        )
    return replace(_own_module(name, classes, file, lines), load_options=tuple(options.items()))


def _tool_packages(header: dict[str, Any], file: str, lines: Mapping[str, int]) -> dict[str, str]:
    raw = header.get("tool_packages") or []
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise UsageError(f"{_at(file, lines, 'tool_packages')}: must be a list of installed package names")
    try:
        return {name: package_directory(name) for name in raw}
    except ValueError as exc:
        raise UsageError(f"{_at(file, lines, 'tool_packages')}: {exc}") from None


def _own_module(name: Any, classes: Any, file: str, lines: Mapping[str, int]) -> ToolModule:
    path = _beside(file, str(name), "tool_module", lines.get("tool_module", 1))
    if path.suffix != ".py" or not path.is_file():
        raise UsageError(f"{_at(file, lines, 'tool_module')}: {path} is not a Python file")
    source = path.read_text(encoding="utf-8")
    if classes is not None and (
        not isinstance(classes, list) or not all(isinstance(c, str) for c in classes)
    ):
        raise UsageError(f"{_at(file, lines, 'tool_classes')}: must be a list of class names")
    return ToolModule(path.name, source, tuple(classes) if classes is not None else public_classes(source))


def workspace_key_problem(key: object) -> str | None:
    """Why `key` cannot name a file inside an agent's workspace, or None (pure)."""
    if not isinstance(key, str) or not key.strip():
        return "must be a relative file path"
    if "\0" in key:
        return "holds a NUL byte"
    if key.startswith(("/", "\\")) or (len(key) > 1 and key[1] == ":"):
        return "is an absolute path"
    parts = [part for part in key.replace("\\", "/").split("/") if part not in ("", ".")]
    if not parts:
        return "names no file"
    if ".." in parts:
        return "leaves the workspace (..)"
    return None


def _suite_workspace(header: dict[str, Any], file: str, lines: Mapping[str, int]) -> dict[str, str]:
    workspace = header.get("workspace") or {}
    if not isinstance(workspace, dict) or not all(isinstance(v, str) for v in workspace.values()):
        raise UsageError(f"{_at(file, lines, 'workspace')}: must map file paths to text")
    for key in workspace:
        problem = workspace_key_problem(key)
        if problem:
            raise UsageError(f"{_at(file, lines, 'workspace')}: {key!r} {problem}")
    return dict(workspace)


def _suite_categories(header: dict[str, Any], file: str, lines: Mapping[str, int]) -> dict[str, Category]:
    raw = header.get("categories") or {}
    if not isinstance(raw, dict):
        raise UsageError(f"{_at(file, lines, 'categories')}: map each category name to its kind (and label)")
    try:
        return {str(name): category_from_dict(str(name), spec) for name, spec in raw.items()}
    except ValueError as exc:
        raise UsageError(f"{_at(file, lines, 'categories')}: {exc}") from None


def parse_suite(text: str, file: str, default_name: str) -> EvalSuite:
    """Pure (but for a `tools_file`): a suite from the text of a YAML or JSONL file."""
    header: dict[str, Any] = {}
    lines: dict[str, int] = {}
    records = _jsonl_records(text, file) if file.endswith(".jsonl") else None
    if records is None:
        header, records, lines = _yaml_records(text, file)
    workspace = _suite_workspace(header, file, lines)
    string_match = header.get("string_match", "exact")
    tools = _suite_tools(header, file, lines)
    module = _suite_module(header, file, lines)
    if module is not None:
        try:
            derived = module_tools(module)
        except ValueError as exc:
            raise UsageError(f"{Path(file).parent / exc.args[0]}") from None
        clash = sorted(set(tools) & {spec.name for spec in derived})
        if clash:
            raise UsageError(f"{_at(file, lines, 'tool_module')}: {clash[0]!r} is also declared under tools")
        tools.update({spec.name: spec for spec in derived})
    categories = _suite_categories(header, file, lines)
    prompts, seen = [], set()
    for line, raw in records:
        prompt = prompt_from_dict(raw, Where(file, line), tools, string_match, categories, module)
        if prompt.id in seen:
            raise UsageError(f"{file}:{line}: id: duplicate id {prompt.id!r}")
        seen.add(prompt.id)
        prompts.append(prompt)
    if not prompts:
        raise UsageError(f"{_at(file, lines, 'prompts')}: the suite has no prompts")
    return EvalSuite(str(header.get("name") or default_name), tuple(prompts), workspace, categories)


def load_suite(source: str | Path = BUILTIN) -> EvalSuite:
    """The built-in suite (`"builtin"`), a YAML/JSONL suite file, or `bfcl:CATEGORY` / `humaneval`
    imported on the fly from the optional `benchmarks` packages."""
    text = str(source)
    if text == BUILTIN:
        body = resources.files("punie.eval").joinpath("builtin_suite.yaml").read_text(encoding="utf-8")
        return parse_suite(body, "builtin_suite.yaml", BUILTIN)
    if text.startswith("bfcl:") or text == "humaneval" or text.startswith("humaneval:"):
        from punie.eval.imports.importers import imported_suite_text

        name, body = imported_suite_text(text)
        return parse_suite(body, f"{name}.yaml", name)
    path = Path(source)
    if not path.is_file():
        raise UsageError(
            f"{path}: no such suite file (use 'builtin', 'bfcl:CATEGORY', 'humaneval' or a .yaml/.jsonl file)"
        )
    return parse_suite(path.read_text(encoding="utf-8"), str(path), path.stem)
