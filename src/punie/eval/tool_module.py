"""A suite's own stateful tools, declared once as Python code: a module of classes (or plain
functions) with type hints and docstrings. Pure: the module is never imported here.

Its tools' JSON schemas are derived from the module's *source* (its syntax tree): each public
method of each named class, and each public module-level function, is one tool, with a property
per parameter typed from its annotation and described from the docstring's `Args:` section (the
Google style BFCL's classes use, as pydantic-ai reads docstrings). Reading the source rather than
importing it keeps the module's code out of the evaluating process: it runs only in the sandbox
(`punie.eval.tool_module_run`).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, replace
from typing import Any

from punie.eval.tool_schema import ToolSpec

SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "Any": None}
ARRAYS = {"list", "List", "tuple", "Tuple", "set", "Set", "Sequence"}
OBJECTS = {"dict", "Dict", "Mapping"}
ARG_LINE = re.compile(r"^\s*(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass(frozen=True)
class PackagedClass:
    """A tool class that stays in an installed package (BFCL's): its module's import name and
    that module's source, read from the package, never imported here."""

    name: str
    module: str
    source: str


@dataclass(frozen=True)
class ToolModule:
    """The module's file name (its import name is the stem; "" when every class is packaged),
    its source, the classes whose instances hold the state (empty: functions only), classes
    from installed packages, those packages ((import name, directory): importable, read-only,
    in the sandbox), and the keyword arguments of each class's `_load_scenario`."""

    file: str
    source: str
    classes: tuple[str, ...] = ()
    packaged: tuple[PackagedClass, ...] = ()
    packages: tuple[tuple[str, str], ...] = ()
    load_options: tuple[tuple[str, bool | int | float | str], ...] = ()

    @property
    def name(self) -> str:
        return self.file.rsplit("/", 1)[-1].removesuffix(".py")

    @property
    def class_names(self) -> tuple[str, ...]:
        return (*self.classes, *(c.name for c in self.packaged))

    def class_modules(self) -> dict[str, str]:
        """Each class -> the import name of the module that defines it."""
        return {**{c: self.name for c in self.classes}, **{c.name: c.module for c in self.packaged}}

    def only(self, names: tuple[str, ...]) -> ToolModule:
        """The same tools, with only the classes `names` (a prompt's own subset); ValueError
        names one it does not have."""
        unknown = [n for n in names if n not in self.class_names]
        if unknown:
            raise ValueError(f"no tool class {unknown[0]!r} (classes: {', '.join(self.class_names)})")
        return replace(
            self,
            classes=tuple(c for c in self.classes if c in names),
            packaged=tuple(c for c in self.packaged if c.name in names),
        )


def annotation_schema(node: ast.expr | None) -> dict[str, Any]:
    """Pure: the JSON schema of a type annotation (an unknown one: any value)."""
    if node is None:
        return {}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        try:
            return annotation_schema(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return {}
    if isinstance(node, ast.Constant) and node.value is None:
        return {"type": "null"}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # X | None
        return _union([node.left, node.right])
    name = _name(node.value if isinstance(node, ast.Subscript) else node)
    args = _subscript_args(node)
    if name in SCALARS:
        kind = SCALARS[name]
        return {"type": kind} if kind else {}
    if name in ARRAYS:
        return {"type": "array", **({"items": annotation_schema(args[0])} if args else {})}
    if name in OBJECTS:
        return {"type": "object"}
    if name == "Optional" and args:
        return _union([args[0], ast.Constant(None)])
    if name == "Union":
        return _union(args)
    if name == "Literal" and args:
        values = [a.value for a in args if isinstance(a, ast.Constant)]
        kinds = {type(v).__name__ for v in values}
        kind = SCALARS.get(kinds.pop()) if len(kinds) == 1 else None
        return {"enum": values, **({"type": kind} if kind else {})}
    return {}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.List
        return node.attr
    return ""


def _subscript_args(node: ast.expr) -> list[ast.expr]:
    if not isinstance(node, ast.Subscript):
        return []
    inner = node.slice
    return list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]


def _union(members: list[ast.expr]) -> dict[str, Any]:
    schemas = [annotation_schema(m) for m in members]
    kinds = [s.get("type") for s in schemas if s.get("type") != "null"]
    if len(kinds) == 1 and kinds[0]:  # Optional[X]: X, which may be left out
        return next(s for s in schemas if s.get("type") != "null")
    return {}


SECTIONS = ("Args", "Arguments", "Parameters", "Returns", "Raises", "Yields", "Example", "Examples")
ARG_SECTIONS = ("Args", "Arguments", "Parameters")


def docstring_parts(doc: str) -> tuple[str, dict[str, str]]:
    """Pure: a docstring's summary (the text before its sections) and the description of each
    parameter in its `Args:` section (a line at the section's indentation starts a parameter,
    deeper lines continue it)."""
    summary: list[str] = []
    described: dict[str, str] = {}
    section, current, base = "", "", -1
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.endswith(":") and stripped[:-1] in SECTIONS:
            section, current, base = stripped[:-1], "", -1
            continue
        if not section:
            summary.append(stripped)
            continue
        if section not in ARG_SECTIONS or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        base = indent if base < 0 else base
        match = ARG_LINE.match(line)
        if indent <= base and match:
            current = match[1]
            described[current] = match[2].strip()
        elif current:
            described[current] = f"{described[current]} {stripped}".strip()
    return " ".join(s for s in summary if s).strip(), described


def function_spec(node: ast.FunctionDef, method: bool) -> ToolSpec:
    """Pure: one function's (or method's) tool schema."""
    summary, described = docstring_parts(ast.get_docstring(node) or "")
    positional = node.args.posonlyargs + node.args.args
    params = positional[1:] if method else positional
    defaults = dict(zip([a.arg for a in reversed(positional)], reversed(node.args.defaults), strict=False))
    properties: dict[str, Any] = {}
    required = []
    for arg in [*params, *node.args.kwonlyargs]:
        schema = annotation_schema(arg.annotation)
        if arg.arg in described:
            schema = {**schema, "description": described[arg.arg]}
        properties[arg.arg] = schema
        has_default = arg.arg in defaults or (
            arg in node.args.kwonlyargs and node.args.kw_defaults[node.args.kwonlyargs.index(arg)] is not None
        )
        if not has_default:
            required.append(arg.arg)
    parameters = {"type": "object", "properties": properties, "required": required}
    return ToolSpec(node.name, summary, parameters)


def public_classes(source: str) -> tuple[str, ...]:
    """Pure: the public classes a module's source defines at its top level, in order (none when it
    does not parse: `module_tools` then says why)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    return tuple(n.name for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_"))


@functools.lru_cache(maxsize=32)
def _parsed(source: str, file: str) -> ast.Module:
    try:
        return ast.parse(source, filename=file)
    except SyntaxError as exc:
        raise ValueError(f"{file}:{exc.lineno}: {exc.msg}") from None


def _public_function(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef) and not node.name.startswith("_")


def _methods(tree: ast.Module, names: tuple[str, ...], file: str) -> list[ToolSpec]:
    """The public methods of the classes `names` in `tree`, as tools, class by class."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    missing = [c for c in names if c not in classes]
    if missing:
        raise ValueError(f"{file}: no class {missing[0]!r} (classes: {sorted(classes)})")
    return [
        function_spec(item, method=True)
        for name in names
        for item in classes[name].body
        if isinstance(item, ast.FunctionDef) and _public_function(item)
    ]


@functools.lru_cache(maxsize=64)  # the suite parses it; each prompt of an eval asks again
def module_tools(module: ToolModule) -> tuple[ToolSpec, ...]:
    """Pure: the tools `module` declares: each public method of its classes, then each public
    module-level function. ValueError names a class
    that is not there, a tool declared twice, or a source that does not parse."""
    specs: list[ToolSpec] = []
    if module.file:
        tree = _parsed(module.source, module.file)
        specs += _methods(tree, module.classes, module.file)
        specs += [
            function_spec(item, method=False)
            for item in tree.body
            if isinstance(item, ast.FunctionDef) and _public_function(item)
        ]
    for packaged in module.packaged:
        specs += _methods(_parsed(packaged.source, packaged.module), (packaged.name,), packaged.module)
    names = [s.name for s in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{module.file}: tool {twice[0]!r} is declared twice (tools are called by name)")
    if not specs:
        raise ValueError(f"{module.file}: declares no public method or function to offer as a tool")
    return tuple(specs)
