"""Does one call match one expected call? Pure, schema-aware, and BFCL's rules where BFCL has them.

- Types come from the tool's schema: an int is accepted where a number (BFCL: float) is declared,
  never a float where an integer is; booleans are strict; a list item's declared type is checked.
  As in BFCL, a value of the expected answers' own type is accepted even if the schema says
  otherwise (an answer that is a variable name, say).
- `required` comes from the schema; an argument the schema or the expected call does not name
  fails; an expected argument may be left out when it is optional (`optional:`, or BFCL's "").
- Strings: `exact` (punie's default: paths and code are exact, surrounding space aside) or `bfcl`
  (case, spaces and `,./-_*^` ignored, ' read as ", inside lists and dicts too).
- Dict-valued arguments list alternatives per key; a list of dicts matches item by item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from punie.eval.tool_parse import Call
from punie.eval.tool_schema import ToolSpec, declared_type

StringMatch = Literal["exact", "bfcl"]
STRING_MATCHES: tuple[StringMatch, ...] = ("exact", "bfcl")
OPTIONAL = ""  # BFCL's marker among the alternatives: the argument may be left out
PUNCTUATION = re.compile(r"[ ,./\-_*^]")


@dataclass(frozen=True)
class ExpectedCall:
    """A call the prompt wants. `arguments` maps each name to its allowed values (any one matches);
    names in `optional` may be left out. `any_arguments`: only the name is checked (the seed's
    `expected_tool_calls`)."""

    name: str
    arguments: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    any_arguments: bool = False

    def may_omit(self, name: str) -> bool:
        return name in self.optional or OPTIONAL in self.arguments.get(name, ())


def normalise(text: str) -> str:
    """BFCL's string standardisation."""
    return PUNCTUATION.sub("", text).lower().replace("'", '"')


def _type_ok(value: Any, kind: str | None) -> bool:
    if kind is None or kind == "any":
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return type(value) is int
    if kind == "number":
        return type(value) in (int, float)
    if kind == "boolean":
        return type(value) is bool
    if kind == "array":
        return isinstance(value, list | tuple)
    if kind == "object":
        return isinstance(value, dict)
    return value is None  # null


def _answer_type(alternatives: Sequence[Any]) -> type | None:
    return next((type(a) for a in alternatives if a != OPTIONAL), None)


def _norm(value: Any, mode: StringMatch) -> Any:
    if isinstance(value, str):
        return normalise(value) if mode == "bfcl" else value.strip()
    return value


def _same(got: Any, want: Any) -> bool:
    """Equality where True is never 1 and '3' is never 3 (3 == 3.0 stays true)."""
    if isinstance(got, bool) or isinstance(want, bool):
        return isinstance(got, bool) and isinstance(want, bool) and got == want
    if isinstance(got, int | float) and isinstance(want, int | float):
        return float(got) == float(want)
    if isinstance(got, list | tuple) and isinstance(want, list | tuple):
        return len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want, strict=True))
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(_same(got[k], want[k]) for k in got)
    return type(got) is type(want) and bool(got == want)


def _in(value: Any, alternatives: Sequence[Any]) -> bool:
    return any(_same(value, alt) for alt in alternatives)


def _dict_problem(value: dict[str, Any], alternatives: Sequence[Any], mode: StringMatch) -> str | None:
    problem = "no alternative given"
    for alt in alternatives:
        if not isinstance(alt, Mapping):
            continue
        allowed = {k: v if isinstance(v, list) else [v] for k, v in alt.items()}
        extra = [k for k in value if k not in allowed]
        missing = [k for k, v in allowed.items() if k not in value and OPTIONAL not in v]
        wrong = [
            k
            for k in value
            if k in allowed and not _in(_norm(value[k], mode), [_norm(a, mode) for a in allowed[k]])
        ]
        if not (extra or missing or wrong):
            return None
        problem = (
            f"key(s) {extra} unexpected"
            if extra
            else f"key(s) {missing} missing"
            if missing
            else f"key {wrong[0]!r} wrong"
        )
    return problem


def _list_of_dicts_problem(value: list[Any], alternatives: Sequence[Any], mode: StringMatch) -> str | None:
    for alt in alternatives:
        if (
            isinstance(alt, list)
            and len(alt) == len(value)
            and all(
                isinstance(v, dict) and _dict_problem(v, [a], mode) is None
                for v, a in zip(value, alt, strict=True)
            )
        ):
            return None
    return "no alternative matches item by item"


def _value_problem(
    name: str, value: Any, alternatives: Sequence[Any], schema: Mapping[str, Any], mode: StringMatch
) -> str | None:
    kind = declared_type(schema) if schema else None
    variable = False
    if kind == "array" and isinstance(value, tuple):
        value = list(value)
    if not _type_ok(value, kind):
        answer_type = _answer_type(alternatives)
        if answer_type is not None and type(value) is answer_type:
            variable = True  # BFCL: a value of the answers' own type stands for a variable
        else:
            return f"argument {name!r} = {value!r} is not of the declared type {kind}"
    if kind == "array" and not variable and any(isinstance(a, list) for a in alternatives):
        item_kind = declared_type(schema.get("items") or {})
        # as BFCL: items of the expected answers' own item type stand for variables too
        answer_items = {type(x) for a in alternatives if isinstance(a, list) for x in a[:1]}
        if not all(_type_ok(item, item_kind) or type(item) in answer_items for item in value):
            return f"argument {name!r} = {value!r}: items are not all of type {item_kind}"
    if not variable and kind == "object" and isinstance(value, dict):
        problem = _dict_problem(value, alternatives, mode)
        return None if problem is None else f"argument {name!r}: {problem}"
    if not variable and kind == "array" and declared_type(schema.get("items") or {}) == "object":
        problem = _list_of_dicts_problem(list(value), alternatives, mode)
        return None if problem is None else f"argument {name!r}: {problem}"
    if not variable and (kind in ("string", "array") or (kind is None and isinstance(value, str | list))):
        got = [_norm(v, mode) for v in value] if isinstance(value, list) else _norm(value, mode)
        wanted = [
            [_norm(v, mode) for v in a] if isinstance(a, list) else _norm(a, mode)
            for a in alternatives
            if a != OPTIONAL
        ]
        if _in(got, wanted):
            return None
    elif _in(value, [a for a in alternatives if a != OPTIONAL]):
        return None
    shown = [a for a in alternatives if a != OPTIONAL]
    return f"argument {name!r} = {value!r}, expected one of {shown!r}"


def call_problem(call: Call, want: ExpectedCall, tool: ToolSpec | None, mode: StringMatch) -> str | None:
    """Why `call` does not match `want` (None when it does). `tool` is the schema, when known."""
    if call.name != want.name:
        return f"called {call.name}, expected {want.name}"
    if want.any_arguments:
        return None
    properties = tool.properties if tool is not None else {}
    for name in tool.required if tool is not None else ():
        if name not in call.arguments:
            return f"missing required argument {name!r}"
    for name, value in call.arguments.items():
        if (tool is not None and name not in properties) or name not in want.arguments:
            return f"unexpected argument {name!r}"
        problem = _value_problem(name, value, want.arguments[name], properties.get(name, {}), mode)
        if problem:
            return problem
    for name in want.arguments:
        if name not in call.arguments and not want.may_omit(name):
            return f"missing argument {name!r}"
    return None


def value_matches(got: Any, allowed: Sequence[Any], mode: StringMatch = "exact") -> bool:
    """Type-aware equality against alternatives: 3 matches 3.0, True never matches 1, '3' never 3;
    strings compare by `mode`."""
    return _in(_norm(got, mode), [_norm(a, mode) for a in allowed])
