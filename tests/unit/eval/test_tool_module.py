"""Stateful tool modules (issue 30), the pure parts: schemas read from the source, never imported;
suite records naming file, line and field; the state and result checks; the runner's answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.kinds.multi_turn import first_difference, missing_results
from punie.eval.suite_load import load_suite
from punie.eval.tool_module import ToolModule, docstring_parts, module_tools, public_classes
from punie.eval.tool_module_run import parse_output

SOURCE = '''
from typing import Literal, Optional


class Calendar:
    """A calendar."""

    def __init__(self):
        self.events = []

    def add(self, title: str, day: int, tags: list[str], *, note: Optional[str] = None,
            kind: Literal["work", "home"] = "work") -> dict:
        """Add an event.

        Args:
            title (str): what it is
            day: the day of the month,
                from 1 to 31
            tags: labels

        Returns:
            the event
        """

    def _private(self) -> None:
        """Not a tool."""

    def clear(self, before: "int | None" = None, deep: bool = False, scale: float = 1.0, extra: dict = {}) -> str:
        return "cleared"


def today(zone: UnknownType) -> str:
    """The date today."""
'''


def test_schemas_come_from_the_hints_and_the_docstrings() -> None:
    module = ToolModule("cal.py", SOURCE, public_classes(SOURCE))
    assert module.classes == ("Calendar",) and module.name == "cal"
    add, clear, today = module_tools(module)
    assert add.name == "add" and add.description == "Add an event."
    assert add.properties["title"] == {"type": "string", "description": "what it is"}
    assert add.properties["day"] == {"type": "integer", "description": "the day of the month, from 1 to 31"}
    assert add.properties["tags"] == {"type": "array", "items": {"type": "string"}, "description": "labels"}
    assert add.properties["note"] == {"type": "string"}  # Optional[X]: X, and it may be left out
    assert add.properties["kind"] == {"enum": ["work", "home"], "type": "string"}
    assert add.required == ("title", "day", "tags")
    assert clear.properties == {
        "before": {"type": "integer"},
        "deep": {"type": "boolean"},
        "scale": {"type": "number"},
        "extra": {"type": "object"},
    }
    assert clear.required == () and clear.description == ""
    assert today.name == "today" and today.properties == {"zone": {}} and today.required == ("zone",)


def test_docstring_sections_end_the_summary() -> None:
    summary, described = docstring_parts(
        "Do it.\n\nArgs:\n    a: first\n    b (int): second\n        more\nRaises:\n    c: no"
    )
    assert summary == "Do it." and described == {"a": "first", "b": "second more"}


def test_a_broken_module_is_one_line_naming_what() -> None:
    with pytest.raises(ValueError, match=r"^bad\.py:1: "):
        module_tools(ToolModule("bad.py", "def f(:\n"))
    with pytest.raises(ValueError, match="no class 'Missing'"):
        module_tools(ToolModule("m.py", "class A:\n    def f(self): ...\n", ("Missing",)))
    with pytest.raises(ValueError, match="tool 'f' is declared twice"):
        module_tools(ToolModule("m.py", "class A:\n    def f(self): ...\ndef f(): ...\n", ("A",)))
    with pytest.raises(ValueError, match="declares no public method"):
        module_tools(ToolModule("m.py", "class A:\n    def _f(self): ...\n", ("A",)))


def _suite(tmp_path: Path, header: str, prompt: str) -> Path:
    (tmp_path / "tools.py").write_text(
        "class Box:\n    def put(self, item: str) -> str:\n        return item\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(f"{header}categories: {{box: multi_turn}}\nprompts:\n{prompt}")
    return path


def test_suite_records_are_checked_with_their_file_and_line(tmp_path: Path) -> None:
    good = "  - id: a\n    category: box\n    turns: [put a cup in]\n    expected_turns: [[{name: put, arguments: {item: cup}}]]\n"
    suite = load_suite(_suite(tmp_path, "tool_module: tools.py\n", good))
    prompt = suite.prompts[0]
    assert prompt.tool_module is not None and prompt.tool_module.classes == ("Box",)
    assert prompt.prompt_text == "put a cup in" and prompt.later_turns == ()
    cases = {
        ("", "  - {id: a, category: box, turns: [x], expected_state: {Box: {}}}\n"): (
            "s.yaml:3: category: a multi_turn prompt needs the suite's `tool_module:`"
        ),
        (
            "tool_module: ../tools.py\n",
            good,
        ): "s.yaml:1: tool_module: '../tools.py' leaves the suite's directory",
        ("tool_module: nope.py\n", good): "s.yaml:1: tool_module: ",
        (
            "tool_module: tools.py\n",
            good.replace("put,", "take,"),
        ): "s.yaml:4: expected_turns[0][0].name: tool 'take' is not offered",
        (
            "tool_module: tools.py\n",
            good.replace("turns: [put a cup in]", "turns: [a]\n    prompt_text: b"),
        ): "s.yaml:4: turns: give the user's messages as turns",
        (
            "tool_module: tools.py\n",
            "  - {id: a, category: box, prompt_text: x}\n",
        ): "s.yaml:4: expected_turns: a multi_turn prompt needs",
        (
            "tool_module: tools.py\n",
            good + "    expected_state: {Box: 3}\n",
        ): "s.yaml:4: expected_state: must map each tool class",
        ("tool_module: tools.py\ntool_classes: [Crate]\n", good): "no class 'Crate'",
    }
    for (header, prompt_text), message in cases.items():
        with pytest.raises(UsageError) as caught:
            load_suite(_suite(tmp_path, header, prompt_text))
        assert message in str(caught.value), (message, str(caught.value))


def test_states_differ_at_their_first_attribute_and_results_count_once() -> None:
    got = {"Box": {"items": ["cup"], "open": True}}
    assert first_difference(got, {"Box": {"items": ["cup"], "open": True}}) is None
    assert first_difference(got, {"Box": {"items": [], "open": True}}) == 'Box.items is ["cup"], expected []'
    assert first_difference(got, {"Box": {"items": ["cup"]}}) == "Box.open is true, expected null"
    assert first_difference(got, {"Box": {"items": ["cup"]}}, partial=True) is None
    assert missing_results(["1", "ok", "ok"], ["ok", "1"]) == []
    assert missing_results(["ok"], ["ok", "ok"]) == ["ok"]


def test_the_runners_answer_or_why_there_is_none() -> None:
    body = '{"results": [["ok"]], "states": [{"Box": {}}], "initial": {"Box": {}}}'
    replay = parse_output(f"noise\nPUNIE-TOOL-MODULE-RESULT\n{body}\n", False, 0, 1)
    assert replay.results == (("ok",),) and replay.error is None and replay.result_of(0, 0) == "ok"
    assert parse_output("", True, None, 1).error == "the tool module ran past the sandbox's time limit"
    assert "without an answer (exit code 1)" in (parse_output("x", False, 1, 1).error or "")
    killed = parse_output("", False, None, 1, "noise\n[disk limit reached: killed]").error
    assert (
        killed
        == "the tool module's process ended without an answer (exit code None) [disk limit reached: killed]"
    )
    assert "unreadable" in (parse_output("\nPUNIE-TOOL-MODULE-RESULT\n{", False, 0, 1).error or "")
    assert "wrong number" in (parse_output(f"\nPUNIE-TOOL-MODULE-RESULT\n{body}", False, 0, 2).error or "")
    failed = parse_output('\nPUNIE-TOOL-MODULE-RESULT\n{"error": "boom"}', False, 0, 1)
    assert failed.result_of(0, 0) == "error: boom"
