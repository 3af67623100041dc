"""One prompt record of a suite file -> an `EvalPrompt`, with errors naming file, line and field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from punie.errors import UsageError
from punie.eval.categories import BUILTIN_CATEGORIES, Category
from punie.eval.kinds import KINDS, Fields
from punie.eval.suite import EvalPrompt
from punie.eval.tool_match import STRING_MATCHES, ExpectedCall, StringMatch
from punie.eval.tool_module import ToolModule, module_tools
from punie.eval.tool_schema import BUILTIN_TOOLS, ToolSpec, tool_from_dict

ROLES = ("system", "user", "assistant", "tool")
KNOWN_KEYS = {
    "id",
    "category",
    "prompt_text",
    "messages",
    "context",
    "expected_tool_calls",
    "expected_keywords",
    "expected_calls",
    "no_tool",
    "tools",
    "ordered",
    "tool_results",
    "tests",
    "expected_answer",
    "turns",
    "initial_state",
    "expected_turns",
    "expected_state",
    "tool_classes",
    "tools_from_turn",
}


class Where:
    def __init__(self, file: str, line: int) -> None:
        self.file, self.line = file, line

    def fail(self, name: str, message: str) -> UsageError:
        return UsageError(f"{self.file}:{self.line}: {name}: {message}")


def strings(value: Any, name: str, where: Where) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise where.fail(name, "must be a list of strings")
    return tuple(value)


def _expected_call(
    raw: Any, index: int, offered: Mapping[str, ToolSpec], where: Where, field: str = "expected_calls"
) -> ExpectedCall:
    name = f"{field}[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise where.fail(name, "must be a mapping with a string `name`")
    if raw["name"] not in offered:
        raise where.fail(f"{name}.name", f"tool {raw['name']!r} is not offered (offered: {sorted(offered)})")
    arguments = raw.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise where.fail(f"{name}.arguments", "must be a mapping")
    allowed = {k: tuple(v) if isinstance(v, list) else (v,) for k, v in arguments.items()}
    optional = frozenset(strings(raw.get("optional"), f"{name}.optional", where))
    unknown = set(raw) - {"name", "arguments", "optional"}
    if unknown:
        raise where.fail(name, f"unknown key(s) {sorted(unknown)}")
    properties = offered[raw["name"]].properties
    stray = [k for k in allowed if properties and k not in properties]
    if stray:
        raise where.fail(
            f"{name}.arguments", f"{stray} not among {raw['name']}'s parameters {sorted(properties)}"
        )
    return ExpectedCall(raw["name"], allowed, optional)


def offered_tools(raw: Any, suite_tools: Mapping[str, ToolSpec], where: Where) -> tuple[ToolSpec, ...]:
    """A prompt's `tools`: names (of the suite's tools or the built-in ones) or inline schemas."""
    known = {**BUILTIN_TOOLS, **suite_tools}
    if raw is None:
        return tuple(suite_tools.values()) or tuple(BUILTIN_TOOLS.values())
    if not isinstance(raw, list):
        raise where.fail("tools", "must be a list of tool names or tool schemas")
    specs: list[ToolSpec] = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            if item not in known:
                raise where.fail("tools", f"unknown tool {item!r} (known: {sorted(known)})")
            specs.append(known[item])
        else:
            try:
                specs.append(tool_from_dict(item))
            except ValueError as exc:
                raise where.fail(f"tools[{index}]", str(exc)) from None
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise where.fail("tools", f"a tool is offered twice: {names}")
    return tuple(specs)


def _messages(raw: Any, where: Where) -> tuple[dict[str, Any], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise where.fail("messages", "must be a non-empty list of chat messages")
    for index, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise where.fail(f"messages[{index}].role", f"must be one of {', '.join(ROLES)}")
        if not isinstance(message.get("content", ""), str | type(None)):
            raise where.fail(f"messages[{index}].content", "must be text")
        if message["role"] == "assistant" and not isinstance(message.get("tool_calls", []), list):
            raise where.fail(f"messages[{index}].tool_calls", "must be a list")
    if raw[-1]["role"] not in ("user", "tool"):
        raise where.fail("messages", "the last message must be from the user or a tool result")
    return tuple(dict(m) for m in raw)


def _tool_results(raw: Any, where: Where) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise where.fail("tool_results", "must map tool names to the text each call returns")
    return dict(raw)


def _turns(raw: dict[str, Any], where: Where) -> tuple[str, ...]:
    """A multi-turn prompt's user messages (`turns:`), the first of which opens it."""
    turns = strings(raw.get("turns"), "turns", where)
    if "turns" in raw and not turns:
        raise where.fail("turns", "must list at least one user message")
    if turns and ("prompt_text" in raw or "messages" in raw):
        raise where.fail("turns", "give the user's messages as turns, or prompt_text/messages, not both")
    return turns


def _expected_turns(
    raw: Any, offered: Mapping[str, ToolSpec], where: Where
) -> tuple[tuple[ExpectedCall, ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(turn, list) for turn in raw):
        raise where.fail("expected_turns", "must be a list (one per user turn) of lists of calls")
    return tuple(
        tuple(_expected_call(c, i, offered, where, f"expected_turns[{t}]") for i, c in enumerate(turn))
        for t, turn in enumerate(raw)
    )


def _state(raw: Any, key: str, where: Where) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise where.fail(key, "must map each tool class to its attributes")
    return {str(k): dict(v) for k, v in raw.items()}


def _prompt_module(raw: Any, module: ToolModule | None, where: Where) -> ToolModule | None:
    """The suite's tool classes this prompt uses (`tool_classes:`; all of them by default)."""
    if raw is None or module is None:
        if raw is not None:
            raise where.fail("tool_classes", "the suite has no tool_module or tool_packages")
        return module
    try:
        return module.only(strings(raw, "tool_classes", where))
    except ValueError as exc:
        raise where.fail("tool_classes", str(exc)) from None


def _tools_from_turn(raw: Any, offered: Mapping[str, ToolSpec], turns: int, where: Where) -> dict[str, int]:
    """Tools first offered at a later user turn (`{tool: turn}`, from 1): BFCL's missing functions."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise where.fail("tools_from_turn", "must map tool names to the user turn (from 1) that offers them")
    for name, turn in raw.items():
        if name not in offered:
            raise where.fail("tools_from_turn", f"tool {name!r} is not offered (offered: {sorted(offered)})")
        if not isinstance(turn, int) or isinstance(turn, bool) or not 1 <= turn <= max(turns, 1):
            last = max(turns, 1)
            raise where.fail("tools_from_turn", f"{name}: {turn!r} is not a user turn from 1 to {last}")
    return {str(name): int(turn) for name, turn in raw.items()}


def _flag(raw: dict[str, Any], key: str, where: Where) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise where.fail(key, "must be true or false")
    return value


def prompt_from_dict(
    raw: Any,
    where: Where | None = None,
    suite_tools: Mapping[str, ToolSpec] | None = None,
    string_match: StringMatch = "exact",
    categories: Mapping[str, Category] | None = None,
    module: ToolModule | None = None,
) -> EvalPrompt:
    """Validate one prompt record; errors name the file, line and field."""
    where = where or Where("<prompt>", 1)
    if not isinstance(raw, dict):
        raise where.fail("prompt", "must be a mapping")
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise where.fail(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(KNOWN_KEYS))})")
    if string_match not in STRING_MATCHES:
        raise where.fail("string_match", f"{string_match!r} is not one of {', '.join(STRING_MATCHES)}")
    messages = _messages(raw.get("messages"), where)
    turns = _turns(raw, where)
    users = [m.get("content") or "" for m in messages if m["role"] == "user"]
    prompt_text = turns[0] if turns else raw.get("prompt_text", users[-1] if users else None)
    for key, value in (
        ("id", raw.get("id")),
        ("category", raw.get("category")),
        ("prompt_text", prompt_text),
    ):
        if not isinstance(value, str) or not value.strip():
            raise where.fail(
                key, "required, a non-empty string" + (" (or give messages)" if key == "prompt_text" else "")
            )
    category = raw["category"]
    known = {**BUILTIN_CATEGORIES, **(categories or {})}
    if category not in known:
        raise where.fail(
            "category", f"{category!r} is not one of {', '.join(known)} (a suite may declare its own)"
        )
    kind = known[category].kind
    module = _prompt_module(raw.get("tool_classes"), module, where)
    own = {s.name: s for s in module_tools(module)} if module and "tool_classes" in raw else None
    tools = offered_tools(raw.get("tools"), own if own is not None else suite_tools or {}, where)
    offered = {spec.name: spec for spec in tools}
    calls_raw = raw.get("expected_calls") or []
    if not isinstance(calls_raw, list):
        raise where.fail("expected_calls", "must be a list")
    fields = KINDS[kind].check(
        Fields(
            calls=tuple(_expected_call(c, i, offered, where) for i, c in enumerate(calls_raw)),
            names=strings(raw.get("expected_tool_calls"), "expected_tool_calls", where),
            no_tool=_flag(raw, "no_tool", where),
            tests=raw.get("tests"),
            answer=raw.get("expected_answer"),
            offered=offered,
            expected_turns=_expected_turns(raw.get("expected_turns"), offered, where),
            expected_state=_state(raw.get("expected_state"), "expected_state", where),
            stateful=module is not None,
        ),
        where.fail,
        raw["id"],
    )
    context = raw.get("context")
    if context is not None and not isinstance(context, str):
        raise where.fail("context", "must be Python source placed before the answer")
    carries_tools = KINDS[kind].offers_tools
    answer, tests = fields.answer, fields.tests
    return EvalPrompt(
        id=raw["id"],
        category=category,
        prompt_text=str(prompt_text),
        expected_tool_calls=fields.names or tuple(c.name for c in fields.calls),
        expected_keywords=strings(raw.get("expected_keywords"), "expected_keywords", where),
        expected_calls=fields.calls,
        no_tool=fields.no_tool,
        tools=tuple(offered) if carries_tools else (),
        tests=tests,
        expected_answer=None if answer is None else str(answer),
        messages=messages,
        tool_specs=tools if carries_tools else (),
        ordered=_flag(raw, "ordered", where),
        tool_results=_tool_results(raw.get("tool_results"), where),
        string_match=string_match,
        context=context,
        kind=kind,
        tool_module=module if fields.expected_turns or fields.expected_state is not None else None,
        initial_state=_state(raw.get("initial_state"), "initial_state", where) or {},
        later_turns=turns[1:],
        tools_from_turn=_tools_from_turn(raw.get("tools_from_turn"), offered, len(turns), where),
        expected_turns=fields.expected_turns,
        expected_state=fields.expected_state,
    )
