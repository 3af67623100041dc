"""Schema-aware tool scoring: the rules of the scoring issue, each able to fail."""

from __future__ import annotations

import pytest

from punie.eval.tool_parse import Call, ParsedCalls
from punie.eval.tool_schema import ToolSpec, to_json_schema, tool_from_dict
from punie.eval.tool_score import ExpectedCall, ToolRules, score_tool_calls

FACTORIAL = tool_from_dict(
    {
        "type": "function",
        "function": {
            "name": "factorial",
            "parameters": {
                "type": "object",
                "properties": {"number": {"type": "integer"}},
                "required": ["number"],
            },
        },
    }
)
AREA = tool_from_dict(
    {
        "name": "area",
        "parameters": {
            "type": "object",
            "properties": {
                "base": {"type": "number"},
                "unit": {"type": "string", "enum": ["cm", "m"]},
                "exact": {"type": "boolean"},
                "sides": {"type": "array", "items": {"type": "integer"}},
                "options": {"type": "object"},
            },
            "required": ["base"],
        },
    }
)
TOOLS = {t.name: t for t in (FACTORIAL, AREA)}


def score(
    calls: list[Call], expected: list[ExpectedCall], turns: list[list[Call]] | None = None, **rules: object
):
    parsed = ParsedCalls(tuple(calls), "structured")
    return score_tool_calls(expected, parsed, turns, TOOLS, ToolRules(**rules))  # type: ignore[arg-type]


def test_an_integer_is_not_a_float_but_a_number_takes_an_int() -> None:
    want = [ExpectedCall("factorial", {"number": [5]})]
    assert score([Call("factorial", {"number": 5})], want).passed
    assert score([Call("factorial", {"number": 5.0})], want).failure == "wrong_arguments"
    assert score([Call("area", {"base": 3})], [ExpectedCall("area", {"base": [3.0]})]).passed


def test_booleans_are_strict() -> None:
    want = [ExpectedCall("area", {"base": [1.0], "exact": [True]})]
    assert score([Call("area", {"base": 1.0, "exact": True})], want).passed
    assert not score([Call("area", {"base": 1.0, "exact": 1})], want).passed


def test_required_comes_from_the_schema_and_unknown_arguments_fail() -> None:
    optional_base = [ExpectedCall("area", {"base": [1.0]}, optional=frozenset({"base"}))]
    assert "required" in score([Call("area", {})], optional_base).reason
    want = [ExpectedCall("area", {"base": [1.0]})]
    assert "unexpected" in score([Call("area", {"base": 1.0, "colour": "red"})], want).reason


def test_list_items_are_type_checked() -> None:
    want = [ExpectedCall("area", {"base": [1.0], "sides": [[3, 4]]})]
    assert score([Call("area", {"base": 1.0, "sides": [3, 4]})], want).passed
    assert not score([Call("area", {"base": 1.0, "sides": [3.0, 4]})], want).passed


def test_extra_calls_fail() -> None:
    want = [ExpectedCall("factorial", {"number": [5]})]
    result = score([Call("factorial", {"number": 5}), Call("area", {"base": 1.0})], want)
    assert (result.passed, result.failure) == (False, "extra_call")


def test_calls_of_one_turn_match_in_any_order_unless_ordered() -> None:
    want = [ExpectedCall("factorial", {"number": [5]}), ExpectedCall("area", {"base": [2.0]})]
    swapped = [Call("area", {"base": 2.0}), Call("factorial", {"number": 5})]
    assert score(swapped, want).passed
    assert score(swapped, want, ordered=True).failure == "wrong_tool"
    # across turns the order is the order of the turns
    assert not score(swapped, want, turns=[swapped[:1], swapped[1:]]).passed
    assert score(list(reversed(swapped)), want, turns=[[swapped[1]], [swapped[0]]]).passed


def test_string_rules_exact_and_bfcl() -> None:
    want = [ExpectedCall("area", {"base": [1.0], "unit": ["cm"]})]
    shouted = [Call("area", {"base": 1.0, "unit": "C.M."})]
    assert not score(shouted, want).passed
    assert score(shouted, want, string_match="bfcl").passed
    assert not score([Call("area", {"base": 1.0, "unit": "m"})], want, string_match="bfcl").passed


def test_alternatives_inside_dict_arguments() -> None:
    want = [
        ExpectedCall("area", {"base": [1.0], "options": [{"colour": ["red", "crimson"], "fill": [True, ""]}]})
    ]
    assert score([Call("area", {"base": 1.0, "options": {"colour": "crimson"}})], want).passed
    assert score([Call("area", {"base": 1.0, "options": {"colour": "red", "fill": True}})], want).passed
    assert not score([Call("area", {"base": 1.0, "options": {"colour": "blue"}})], want).passed
    assert not score([Call("area", {"base": 1.0, "options": {"colour": "red", "size": 2}})], want).passed


def test_names_only_expectations_check_only_names() -> None:
    want = [ExpectedCall("factorial", any_arguments=True)]
    assert score([Call("factorial", {"number": 99})], want).passed
    assert score([Call("area", {"base": 1.0})], want).failure == "wrong_tool"


def test_text_calls_still_fail_as_text() -> None:
    parsed = ParsedCalls((Call("factorial", {"number": 5}),), "text")
    result = score_tool_calls([ExpectedCall("factorial", {"number": [5]})], parsed, None, TOOLS)
    assert result.failure == "text_only_call"


def test_bfcl_type_names_become_json_schema() -> None:
    schema = to_json_schema({"type": "dict", "properties": {"x": {"type": "float"}, "t": {"type": "tuple",
                             "items": {"type": "any"}}}})  # fmt: skip
    assert schema == {"type": "object", "properties": {"x": {"type": "number"}, "t": {"type": "array",
                      "items": {"type": "string"}}}}  # fmt: skip


@pytest.mark.parametrize("bad", [{}, {"name": ""}, {"name": "x", "parameters": {"properties": [], "type": "object"}},
                                 {"name": "x", "parameters": {"type": "object", "properties": {}, "required": ["y"]}}])  # fmt: skip
def test_bad_tool_schemas_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        tool_from_dict(bad)


def test_tool_spec_round_trips_to_openai() -> None:
    assert ToolSpec("f").openai()["function"]["name"] == "f"
