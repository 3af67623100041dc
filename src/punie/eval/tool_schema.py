"""Tools as schemas: one `ToolSpec` per tool, read from OpenAI function schemas (or BFCL's).

A suite declares its tools once (inline, or in a `tools_file`), as `{"type": "function",
"function": {...}}` or the bare function object; the three built-in workspace tools stay available
by name. The scorer reads each tool's declared types, `required` and enums from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import SchemaError
from jsonschema.validators import validator_for

from punie.tools.builtin import AGENT_TOOLS, function_schema

# Declared type names -> the JSON-schema type they mean (BFCL's Python names included).
TYPE_NAMES = {
    "string": "string",
    "str": "string",
    "integer": "integer",
    "int": "integer",
    "number": "number",
    "float": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "tuple": "array",
    "list": "array",
    "object": "object",
    "dict": "object",
    "null": "null",
    "any": "any",
}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)  # a JSON schema of type object
    builtin: bool = False  # one of punie's workspace tools, executed in the agent loop

    @property
    def properties(self) -> Mapping[str, Mapping[str, Any]]:
        props = self.parameters.get("properties") or {}
        return props if isinstance(props, Mapping) else {}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.parameters.get("required") or ())

    def openai(self) -> dict[str, Any]:
        """The schema as an OpenAI-compatible server wants it."""
        return function_schema(self.name, self.description, self.parameters)


def declared_type(schema: Mapping[str, Any]) -> str | None:
    """The JSON-schema type a property declares (None when it declares none we know)."""
    raw = schema.get("type")
    if isinstance(raw, list):  # ["string", "null"]: the first that is not null
        raw = next((t for t in raw if t != "null"), None)
    return TYPE_NAMES.get(str(raw)) if raw is not None else None


def to_json_schema(schema: Any) -> Any:
    """BFCL's Python type names (float, tuple, dict, any) as JSON-schema names, recursively."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = {key: to_json_schema(value) for key, value in schema.items()}
    kind = schema.get("type")
    if isinstance(kind, str) and kind in TYPE_NAMES:
        out["type"] = "string" if TYPE_NAMES[kind] == "any" else TYPE_NAMES[kind]
    return out


def schema_problem(parameters: Mapping[str, Any]) -> str | None:
    """Pure: why `parameters` is not a valid JSON Schema (its dialect's meta-schema, checked by
    the `jsonschema` library; BFCL's Python type names read as the JSON ones, as everywhere in
    punie), as `.where: what`; None when it is one."""
    normal = to_json_schema(parameters)
    try:
        validator_for(normal).check_schema(normal)
    except SchemaError as exc:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        return f"{where}: not a valid JSON Schema: {exc.message}"
    return None


def tool_from_dict(raw: Any, builtin: bool = False) -> ToolSpec:
    """A tool from `{"type": "function", "function": {...}}` or the bare function object.
    ValueError names what is wrong."""
    if not isinstance(raw, Mapping):
        raise ValueError("a tool must be a mapping (an OpenAI function schema)")
    function = raw.get("function", raw) if raw.get("type", "function") == "function" else None
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str) or not function["name"]:
        raise ValueError("a tool needs a string `name` (or `function.name`)")
    parameters = function.get("parameters") or {"type": "object", "properties": {}}
    if not isinstance(parameters, Mapping):
        raise ValueError(f"tool {function['name']!r}: `parameters` must be a JSON schema object")
    properties = parameters.get("properties", {})
    if not isinstance(properties, Mapping):
        raise ValueError(f"tool {function['name']!r}: `parameters.properties` must be a mapping")
    required = parameters.get("required") or []
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise ValueError(f"tool {function['name']!r}: `parameters.required` must be a list of names")
    unknown = [r for r in required if r not in properties]
    if unknown:
        raise ValueError(f"tool {function['name']!r}: required {unknown} not among its properties")
    if problem := schema_problem(parameters):
        raise ValueError(f"tool {function['name']!r}: parameters{problem}")
    return ToolSpec(function["name"], str(function.get("description") or ""), dict(parameters), builtin)


BUILTIN_TOOLS: dict[str, ToolSpec] = {
    spec.name: spec for spec in (tool_from_dict(tool, builtin=True) for tool in AGENT_TOOLS)
}
