"""A user's own suite: tools as inline schemas or a tools_file, conversations, scripted results."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.suite_load import parse_suite

SUITE = """
name: mine
string_match: exact
tools:
  - type: function
    function:
      name: calculate_triangle_area
      description: Area of a triangle.
      parameters:
        type: object
        properties:
          base: {type: number}
          height: {type: number}
        required: [base, height]
  - name: get_weather
    parameters: {type: object, properties: {city: {type: string}}, required: [city]}
prompts:
  - id: triangle
    category: tool_calling
    messages:
      - {role: system, content: You are my geometry agent. Use tools.}
      - {role: user, content: "Area of a triangle with base 10 and height 5?"}
    tools: [calculate_triangle_area]
    expected_calls: [{name: calculate_triangle_area, arguments: {base: 10, height: 5}}]
  - id: weather-mid-task
    category: tool_calling
    messages:
      - {role: user, content: Weather in Paris, then Rome.}
      - role: assistant
        content: ""
        tool_calls: [{type: function, function: {name: get_weather, arguments: {city: Paris}}}]
      - {role: tool, name: get_weather, content: "Paris: 21C"}
    expected_calls: [{name: get_weather, arguments: {city: Rome}}]
    tool_results: {get_weather: "Rome: 25C"}
  - id: seed-style
    category: tool_calling
    prompt_text: Read the readme.
    tools: [read_file]
    expected_tool_calls: [read_file]
"""


def test_a_suite_with_its_own_tools_and_conversations() -> None:
    suite = parse_suite(SUITE, "mine.yaml", "mine")
    triangle, weather, seed = suite.prompts
    assert triangle.tools == ("calculate_triangle_area",)
    assert triangle.conversation()[0] == {
        "role": "system",
        "content": "You are my geometry agent. Use tools.",
    }
    assert triangle.prompt_text == "Area of a triangle with base 10 and height 5?"
    assert triangle.tool_schemas()[0]["function"]["parameters"]["required"] == ["base", "height"]
    assert set(weather.tools) == {"calculate_triangle_area", "get_weather"}  # all suite tools by default
    assert weather.conversation()[-1]["role"] == "tool" and weather.tool_results == {
        "get_weather": "Rome: 25C"
    }
    assert seed.expected_calls[0].any_arguments and seed.tools == ("read_file",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("tools: [calculate_triangle_area]", "tools: [nope]"), "mine.yaml:18: tools: unknown tool 'nope'"),
        (
            ("arguments: {base: 10, height: 5}", "arguments: {side: 10}"),
            "not among calculate_triangle_area's parameters",
        ),
        (
            ("required: [base, height]", "required: [base, depth]"),
            "mine.yaml:5: tools[0]: tool 'calculate_triangle_area': required ['depth']",
        ),
        # issue 31: a tool's schema is checked against JSON Schema's meta-schema (jsonschema), and
        # the error names the line of that tool, not line 1
        (
            ("height: {type: number}", "height: {type: objekt}"),
            "mine.yaml:5: tools[0]: tool 'calculate_triangle_area': parameters.properties.height.type: "
            "not a valid JSON Schema",
        ),
        (
            ("{city: {type: string}}", "{city: {type: 5}}"),
            "mine.yaml:15: tools[1]: tool 'get_weather': parameters.properties.city.type: not a valid",
        ),
        (
            ("{city: {type: string}}", "{city: {type: string, enum: celsius}}"),
            "mine.yaml:15: tools[1]: tool 'get_weather': parameters.properties.city.enum: not a valid JSON "
            "Schema: 'celsius' is not of type 'array'",
        ),
        # a YAML syntax error that runs to the end of the file points where the broken construct
        # began (here an unclosed quote), not at the end; others where the parser stopped
        (
            ('content: "Area of a triangle with base 10 and height 5?"}', 'content: "Area of a triangle}'),
            "mine.yaml:22: yaml: ",
        ),
        (
            ("    prompt_text: Read the readme.", "    prompt_text: Read the readme.\n  bad: value"),
            "mine.yaml:38: yaml: ",
        ),
        (
            ('- {role: user, content: "Area', '- {role: robot, content: "Area'),
            "messages[1].role: must be one of",
        ),
        (("string_match: exact", "string_match: fuzzy"), "string_match: 'fuzzy' is not one of exact, bfcl"),
    ],
)
def test_bad_suites_name_file_line_and_field(change: tuple[str, str], message: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_suite(SUITE.replace(*change), "mine.yaml", "mine")
    assert message in str(error.value)


def test_tools_file_beside_the_suite(tmp_path: Path) -> None:
    (tmp_path / "tools.yaml").write_text("- name: ping\n  parameters: {type: object, properties: {}}\n")
    suite_file = tmp_path / "s.yaml"
    suite_file.write_text(
        "tools_file: tools.yaml\nprompts:\n  - {id: p, category: tool_calling, prompt_text: Ping., "
        "expected_calls: [{name: ping}]}\n"
    )
    from punie.eval.suite_load import load_suite

    assert load_suite(suite_file).prompts[0].tools == ("ping",)
