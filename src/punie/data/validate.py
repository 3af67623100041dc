"""Pure validation of chat examples (`{"messages": [...], "tools": [...]}`), one JSON line each."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from punie.data.alignment import text_tool_call
from punie.data.findings import Finding
from punie.data.formats import example_format, preference_chats
from punie.data.schema_check import schema_errors

ROLES = {"system", "user", "assistant", "tool"}
WRONG_CALL = re.compile(r"tool_calls\[\d+\]\.function\.(name|arguments\b)")
SPLITS = ("train", "valid", "test")


def _tool_schemas(tools: Any, err: Callable[[str, str], None]) -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    if tools is None:
        return schemas
    if not isinstance(tools, list):
        err("tools", "must be a list of tool schemas")
        return schemas
    for index, tool in enumerate(tools):
        function = tool.get("function", tool) if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            err(f"tools[{index}]", "a tool needs a function with a string 'name'")
            continue
        schemas[function["name"]] = function.get("parameters") or {}
    return schemas


def _check_call(
    call: Any, where: str, schemas: dict[str, dict[str, Any]], err: Callable[[str, str], None]
) -> bool:
    function = call.get("function", call) if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        err(where, "a tool call needs a function with a string 'name'")
        return False
    name, arguments = function["name"], function.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            err(f"{where}.function.arguments", f"not valid JSON ({exc.msg})")
            return False
    if name not in schemas:
        known = ", ".join(sorted(schemas)) or "none"
        err(f"{where}.function.name", f"calls '{name}', which is not in this example's tools ({known})")
        return False
    for problem in schema_errors(arguments, schemas[name]):
        err(f"{where}.function.{problem.split(':', 1)[0]}", problem.split(": ", 1)[1])
    return True


def check_example(example: Any, file: str, line: int) -> list[Finding]:
    """Every problem with one parsed example; warnings for format alignment."""
    found: list[Finding] = []

    def err(field: str, message: str) -> None:
        found.append(Finding("error", file, line, field, message))

    def warn(field: str, message: str) -> None:
        found.append(Finding("warning", file, line, field, message))

    if not isinstance(example, dict):
        err("", "each line must be a JSON object")
        return found
    kind = example_format(example)
    if kind == "text":
        if not isinstance(example["text"], str) or not example["text"].strip():
            err("text", "must be a non-empty string")
        return found
    if kind == "preference":
        return _check_preference(example, file, line)
    if kind == "completions":
        for key in ("prompt", "completion"):
            if not isinstance(example[key], str) or not example[key].strip():
                err(key, "must be a non-empty string")
        return found
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        err(
            "messages",
            "missing or empty (expected chat `messages`, or mlx-lm's `prompt`+`completion` or `text`)",
        )
        return found
    schemas = _tool_schemas(example.get("tools"), err)
    open_calls = 0
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            err(where, "must be an object with 'role' and 'content'")
            continue
        role = message.get("role")
        if role not in ROLES:
            err(f"{where}.role", f"unknown role {role!r} (expected one of {', '.join(sorted(ROLES))})")
            continue
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            err(f"{where}.content", "must be a string")
        calls = message.get("tool_calls") or []
        if role == "assistant":
            if not isinstance(calls, list):
                err(f"{where}.tool_calls", "must be a list")
                calls = []
            for call_index, call in enumerate(calls):
                _check_call(call, f"{where}.tool_calls[{call_index}]", schemas, err)
            open_calls = len(calls)
            if isinstance(content, str) and not calls and (why := text_tool_call(content)):
                warn(
                    f"{where}.content",
                    f"looks like a tool call written as text ({why}); use a structured 'tool_calls' "
                    "entry, or the model learns a format the eval does not score",
                )
        elif role == "tool":
            if open_calls <= 0:
                err(where, "a 'tool' message with no assistant tool call before it")
            open_calls -= 1
        elif not isinstance(content, str) or not content:
            err(f"{where}.content", "missing or empty")
        if role != "assistant" and calls:
            err(f"{where}.tool_calls", f"only assistant messages can carry tool calls, not {role!r}")
    last = messages[-1]
    if isinstance(last, dict) and last.get("role") != "assistant":
        err(
            f"messages[{len(messages) - 1}].role",
            f"the last message must be from the assistant, not {last.get('role')!r}",
        )
    return found


def _check_preference(example: dict[str, Any], file: str, line: int) -> list[Finding]:
    """A preference pair: a prompt (messages ending before the answer) and two answers that are
    assistant turns (with tool results between calls); each whole conversation is then checked
    as a chat example, its fields named `chosen: messages[i]...`."""
    found: list[Finding] = []
    prompt = example.get("prompt")
    if not isinstance(prompt, list) or not prompt:
        found.append(Finding("error", file, line, "prompt", "must be a non-empty list of messages"))
        return found
    last = prompt[-1]
    if isinstance(last, dict) and last.get("role") == "assistant":
        found.append(
            Finding(
                "error",
                file,
                line,
                f"prompt[{len(prompt) - 1}].role",
                "the prompt must end before the answer, not with an assistant turn",
            )
        )
    for side, conversation in zip(("chosen", "rejected"), preference_chats(example), strict=True):
        answer = example.get(side)
        if not isinstance(answer, list) or not answer:
            found.append(Finding("error", file, line, side, "must be a non-empty list of messages"))
            continue
        if isinstance(answer[0], dict) and answer[0].get("role") != "assistant":
            found.append(
                Finding("error", file, line, f"{side}[0].role", "an answer starts with an assistant turn")
            )
        for finding in check_example(conversation, file, line):
            named = dataclasses.replace(finding, field=f"{side}: {finding.field}".rstrip(": "))
            if side == "rejected" and _a_wrong_call(finding):
                named = dataclasses.replace(
                    named,
                    severity="warning",
                    message=f"{finding.message} (a rejected answer's mistake: kept)",
                )
            found.append(named)
    return found


def _a_wrong_call(finding: Finding) -> bool:
    """A call that names a tool the example lacks, or whose arguments break its schema: in a
    rejected answer that is the mistake the pair teaches to avoid, not a broken example (its
    arguments must still be JSON, which the chat template renders)."""
    return (
        finding.severity == "error"
        and bool(WRONG_CALL.search(finding.field))
        and not finding.message.startswith("not valid JSON")
    )


def check_lines(lines: Iterable[str], file: str) -> tuple[list[Any], list[Finding]]:
    """Parse and check a JSONL file's lines: (parsed examples, findings)."""
    examples: list[Any] = []
    found: list[Finding] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            example = json.loads(raw)
        except json.JSONDecodeError as exc:
            found.append(
                Finding("error", file, number, "", f"invalid JSON ({exc.msg} at column {exc.colno})")
            )
            continue
        if examples and example_format(example) != example_format(examples[0][1]):
            first = example_format(examples[0][1])
            found.append(
                Finding(
                    "error",
                    file,
                    number,
                    "",
                    f"{example_format(example)} example in a {first} split: "
                    "mlx-lm reads every line in the format of the first",
                )
            )
        examples.append((number, example))
        found.extend(check_example(example, file, number))
    return examples, found
