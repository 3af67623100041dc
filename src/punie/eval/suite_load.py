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


def _yaml_records(text: str, file: str) -> tuple[dict[str, Any], list[tuple[int, Any]]]:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise UsageError(f"{file}:{line}: yaml: {getattr(exc, 'problem', exc)}") from None
    header: dict[str, Any] = {}
    items, item_nodes = data, node
    if isinstance(data, dict):
        unknown = set(data) - SUITE_KEYS
        if unknown:
            raise UsageError(
                f"{file}:1: {sorted(unknown)[0]}: unknown suite key (known: {', '.join(sorted(SUITE_KEYS))})"
            )
        header = {k: v for k, v in data.items() if k != "prompts"}
        items = data.get("prompts")
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        item_nodes = next((v for k, v in pairs if k.value == "prompts"), None)
    if not isinstance(items, list) or not isinstance(item_nodes, yaml.SequenceNode):
        raise UsageError(f"{file}:1: prompts: expected a list of prompts")
    lines = [n.start_mark.line + 1 for n in item_nodes.value]
    return header, list(zip(lines, items, strict=True))


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


def _suite_tools(header: dict[str, Any], file: str) -> dict[str, ToolSpec]:
    raw: list[Any] = []
    tools_file = header.get("tools_file")
    if tools_file is not None:
        path = _beside(file, str(tools_file))
        if not path.is_file():
            raise UsageError(f"{file}:1: tools_file: {path} does not exist")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise UsageError(f"{path}:1: yaml: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(loaded, list):
            raise UsageError(f"{path}:1: tools: expected a list of tool schemas")
        raw.extend(loaded)
    inline = header.get("tools") or []
    if not isinstance(inline, list):
        raise UsageError(f"{file}:1: tools: expected a list of tool schemas")
    raw.extend(inline)
    tools: dict[str, ToolSpec] = {}
    for index, item in enumerate(raw):
        try:
            spec = tool_from_dict(item)
        except ValueError as exc:
            raise UsageError(f"{file}:1: tools[{index}]: {exc}") from None
        if spec.name in tools:
            raise UsageError(f"{file}:1: tools[{index}]: tool {spec.name!r} is declared twice")
        tools[spec.name] = spec
    return tools


def _beside(file: str, name: str, key: str = "tools_file") -> Path:
    """`name` inside the suite file's own directory (links resolved); a suite someone sent you
    may not read anything else on this machine."""
    home = Path(file).parent.resolve()
    if "\0" in name or Path(name).is_absolute():
        raise UsageError(f"{file}:1: {key}: {name!r} must be a path inside the suite's directory")
    path = (home / name).resolve()
    if path != home and home not in path.parents:
        raise UsageError(f"{file}:1: {key}: {name!r} leaves the suite's directory {home}")
    return path


def _suite_module(header: dict[str, Any], file: str) -> ToolModule | None:
    """The suite's stateful tools: a module beside it (its source read here, never imported)
    and/or classes from installed packages; None when it has none."""
    name, classes = header.get("tool_module"), header.get("tool_classes")
    packages = _tool_packages(header, file)
    if name is None and not packages:
        if classes is not None or header.get("tool_options") is not None:
            raise UsageError(f"{file}:1: tool_classes: give the tool_module or tool_packages they are in")
        return None
    options = header.get("tool_options") or {}
    if not isinstance(options, dict) or not all(
        isinstance(v, bool | int | float | str) for v in options.values()
    ):
        raise UsageError(f"{file}:1: tool_options: must map option names to plain values")
    if packages:
        if not isinstance(classes, dict) or not all(isinstance(v, str) for v in classes.values()):
            raise UsageError(f"{file}:1: tool_classes: with tool_packages, map each class to its module")
        try:
            packaged = packaged_classes({str(k): v for k, v in classes.items()}, packages)
        except ValueError as exc:
            raise UsageError(f"{file}:1: tool_classes: {exc}") from None
        own = _own_module(name, None, file) if name is not None else ToolModule("", "")
        return replace(
            own, packaged=packaged, packages=tuple(packages.items()), load_options=tuple(options.items())
        )
    return replace(_own_module(name, classes, file), load_options=tuple(options.items()))


def _tool_packages(header: dict[str, Any], file: str) -> dict[str, str]:
    raw = header.get("tool_packages") or []
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise UsageError(f"{file}:1: tool_packages: must be a list of installed package names")
    try:
        return {name: package_directory(name) for name in raw}
    except ValueError as exc:
        raise UsageError(f"{file}:1: tool_packages: {exc}") from None


def _own_module(name: Any, classes: Any, file: str) -> ToolModule:
    path = _beside(file, str(name), "tool_module")
    if path.suffix != ".py" or not path.is_file():
        raise UsageError(f"{file}:1: tool_module: {path} is not a Python file")
    source = path.read_text(encoding="utf-8")
    if classes is not None and (
        not isinstance(classes, list) or not all(isinstance(c, str) for c in classes)
    ):
        raise UsageError(f"{file}:1: tool_classes: must be a list of class names")
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


def _suite_workspace(header: dict[str, Any], file: str) -> dict[str, str]:
    workspace = header.get("workspace") or {}
    if not isinstance(workspace, dict) or not all(isinstance(v, str) for v in workspace.values()):
        raise UsageError(f"{file}:1: workspace: must map file paths to text")
    for key in workspace:
        problem = workspace_key_problem(key)
        if problem:
            raise UsageError(f"{file}:1: workspace: {key!r} {problem}")
    return dict(workspace)


def _suite_categories(header: dict[str, Any], file: str) -> dict[str, Category]:
    raw = header.get("categories") or {}
    if not isinstance(raw, dict):
        raise UsageError(f"{file}:1: categories: map each category name to its kind (and label)")
    try:
        return {str(name): category_from_dict(str(name), spec) for name, spec in raw.items()}
    except ValueError as exc:
        raise UsageError(f"{file}:1: categories: {exc}") from None


def parse_suite(text: str, file: str, default_name: str) -> EvalSuite:
    """Pure (but for a `tools_file`): a suite from the text of a YAML or JSONL file."""
    header: dict[str, Any] = {}
    records = _jsonl_records(text, file) if file.endswith(".jsonl") else None
    if records is None:
        header, records = _yaml_records(text, file)
    workspace = _suite_workspace(header, file)
    string_match = header.get("string_match", "exact")
    tools = _suite_tools(header, file)
    module = _suite_module(header, file)
    if module is not None:
        try:
            derived = module_tools(module)
        except ValueError as exc:
            raise UsageError(f"{Path(file).parent / exc.args[0]}") from None
        clash = sorted(set(tools) & {spec.name for spec in derived})
        if clash:
            raise UsageError(f"{file}:1: tool_module: {clash[0]!r} is also declared under tools")
        tools.update({spec.name: spec for spec in derived})
    categories = _suite_categories(header, file)
    prompts, seen = [], set()
    for line, raw in records:
        prompt = prompt_from_dict(raw, Where(file, line), tools, string_match, categories, module)
        if prompt.id in seen:
            raise UsageError(f"{file}:{line}: id: duplicate id {prompt.id!r}")
        seen.add(prompt.id)
        prompts.append(prompt)
    if not prompts:
        raise UsageError(f"{file}:1: prompts: the suite has no prompts")
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
