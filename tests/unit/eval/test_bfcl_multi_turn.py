"""BFCL's multi-turn categories as punie suites (issue 30), the pure parts: the ground truth's call
strings named from the classes' own signatures, held-out functions offered from their turn, the
classes kept in the package (one suite header naming them), the refusals, and the report's turns."""

from __future__ import annotations

import pytest

from punie.errors import UsageError
from punie.eval.imports.bfcl_multi_turn import ADDED_FUNCTIONS_TURN, PACKAGE, import_multi_turn, parse_call
from punie.eval.imports.importers import import_suite, suite_yaml
from punie.eval.report_html import _turns, failing_turn
from punie.eval.response import RecordedResponse, Turn
from punie.eval.score import EvalResult, score_prompt, user_turns
from punie.eval.suite_load import parse_suite
from punie.eval.tool_module import PackagedClass, ToolModule, module_tools

pytest.importorskip("bfcl_eval", reason="bfcl-eval is in the dev group and the `bfcl` extra")

ORDER = {"sort": ["file_name"], "cd": ["folder"], "tail": ["file_name", "lines"], "buy": ["items"]}


def test_a_call_string_becomes_an_expected_call_named_by_the_signature() -> None:
    assert parse_call("sort('final_report.pdf')", ORDER) == {
        "name": "sort",
        "arguments": {"file_name": "final_report.pdf"},
    }
    assert parse_call("tail(file_name='log.txt',lines=20)", ORDER)["arguments"] == {
        "file_name": "log.txt",
        "lines": 20,
    }
    assert parse_call("buy(items=['a', 'b'])", ORDER)["arguments"] == {
        "items": [["a", "b"]]
    }  # one allowed list
    for bad, why in (
        ("rm('x')", "no involved class offers"),
        ("sort('a', 'b')", "more positional arguments"),
        ("os.system('id')", "not a call of a tool by name"),
    ):
        with pytest.raises(ValueError, match=why):
            parse_call(bad, ORDER)


def _suite(category: str, limit: int = 2):  # type: ignore[no-untyped-def]
    return parse_suite(suite_yaml(import_multi_turn(category, limit)), f"{category}.yaml", category)


def test_miss_func_offers_the_held_out_function_from_its_turn_with_bfcls_message() -> None:
    raw = import_multi_turn("multi_turn_miss_func", 1)
    (entry,) = raw["prompts"]
    assert entry["tools_from_turn"] == {"sort": 4} and entry["turns"][3] == ADDED_FUNCTIONS_TURN
    assert entry["expected_turns"][2] == []  # the turn that needs the missing function expects no call
    prompt = _suite("multi_turn_miss_func", 1).prompts[0]
    offered = [{s["function"]["name"] for s in prompt.tool_schemas(turn)} for turn in range(5)]
    assert "sort" not in offered[2] and "sort" in offered[3] and "cd" in offered[0]


def test_the_suite_keeps_the_classes_in_the_package_and_each_prompt_its_own() -> None:
    raw = import_multi_turn("multi_turn_base", 3)
    assert raw["tool_packages"][0] == PACKAGE and "tool_options" not in raw
    assert all(module.startswith(PACKAGE + ".") for module in raw["tool_classes"].values())
    assert "class " not in suite_yaml(raw)  # no source copied into the suite
    suite = _suite("multi_turn_base", 3)
    for prompt, record in zip(suite.prompts, raw["prompts"], strict=True):
        assert prompt.tool_module is not None
        assert set(prompt.tool_module.class_names) == set(record["tool_classes"])
        assert {t.name for t in prompt.tool_specs} == {s.name for s in module_tools(prompt.tool_module)}
        assert len(prompt.expected_turns) == 1 + len(prompt.later_turns)
    assert import_multi_turn("multi_turn_long_context", 1)["tool_options"] == {"long_context": True}


def test_network_categories_are_refused_in_one_line() -> None:
    for category in ("web_search_base", "memory_kv"):
        with pytest.raises(UsageError, match="needs the network") as caught:
            import_suite("bfcl", category)
        assert "\n" not in str(caught.value)
    with pytest.raises(UsageError, match="multi_turn_miss_param"):
        import_suite("bfcl", "multi_turn_everything")


def test_a_prompt_may_use_only_classes_the_suite_names() -> None:
    text = suite_yaml(import_multi_turn("multi_turn_base", 1)).replace(
        "  - TwitterAPI\n", "  - NoSuchAPI\n", 1
    )
    with pytest.raises(UsageError, match="tool_classes: no tool class 'NoSuchAPI'"):
        parse_suite(text, "s.yaml", "s")


def test_packaged_classes_give_their_methods_as_tools_and_only_selects() -> None:
    a = PackagedClass("A", "pkg.a", "class A:\n    def go(self, x: int) -> int:\n        return x\n")
    b = PackagedClass("B", "pkg.b", "class B:\n    def stop(self) -> str:\n        return ''\n")
    module = ToolModule("", "", packaged=(a, b), packages=(("pkg", "/nowhere"),))
    assert [s.name for s in module_tools(module)] == ["go", "stop"]
    assert [s.name for s in module_tools(module.only(("B",)))] == ["stop"]
    assert module.class_modules() == {"A": "pkg.a", "B": "pkg.b"}
    with pytest.raises(ValueError, match="no tool class 'C'"):
        module.only(("C",))


def _call(name: str, **arguments: object) -> dict[str, object]:
    import json

    return {"type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def test_the_result_keeps_each_user_turn_and_the_page_marks_the_failing_one() -> None:
    prompt = _suite("multi_turn_base", 1).prompts[0]
    response = RecordedResponse(
        (
            Turn("", (_call("cd", folder="document"),), "tool_calls", ("None",), 0),
            Turn("moved", user_turn=0),
            Turn("I cannot grep.", user_turn=1),
        )
    )
    turns = user_turns(prompt, response)
    assert [t["user"] for t in turns] == [prompt.prompt_text, *prompt.later_turns]
    assert turns[0]["steps"] == [
        {"calls": [{"name": "cd", "arguments": {"folder": "document"}}], "results": ["None"]}
    ]
    assert turns[1] == {"user": prompt.later_turns[0], "steps": [], "said": "I cannot grep."}
    result = EvalResult(
        prompt.id, prompt.category, False, 0.0, "empty_turn", "user turn 2: no call made, expected cd, grep",
        "structured", (), None, "", 1.0, "multi_turn", turns,
    )  # fmt: skip
    assert EvalResult.from_dict(result.to_dict()) == result
    page = _turns(result)
    assert (
        page.count("<tr>") == 1 + len(turns)
        and "cd({&quot;folder&quot;: &quot;document&quot;}) → None" in page
    )
    assert failing_turn(result.reason) == 2 and page.index("no call made") > page.index(
        prompt.later_turns[0][:20]
    )


def test_a_single_turn_prompts_record_is_unchanged() -> None:
    prompt = parse_suite(
        "- {id: a, category: tool_calling, prompt_text: hi, no_tool: true}\n", "s.yaml", "s"
    ).prompts[0]
    result = score_prompt(prompt, RecordedResponse((Turn("hello"),)))
    assert result.turns == () and "turns" not in result.to_dict()


def test_a_multi_turn_prompt_gets_the_timeout_for_each_user_turn() -> None:
    from punie.eval.runner import prompt_budget

    prompt = _suite("multi_turn_miss_func", 1).prompts[0]
    assert prompt_budget(100.0, prompt) == 100.0 * 5 and prompt_budget(None, prompt) is None
