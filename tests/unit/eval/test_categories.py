"""A category is declared once: a suite's own category is scored as its kind and shows as its column."""

from __future__ import annotations

import pytest

from punie.errors import UsageError
from punie.eval.kinds import KINDS
from punie.eval.report import EvalReport
from punie.eval.response import RecordedResponse, Turn
from punie.eval.score import score_prompt
from punie.eval.suite_load import parse_suite
from punie.journal.entries import eval_row
from punie.journal.render import render_table

SUITE = """
categories:
  bfcl_parallel: {kind: tool_calling, label: BFCL parallel}
  arithmetic: reasoning
tools:
  - name: ping
    parameters: {type: object, properties: {host: {type: string}}, required: [host]}
prompts:
  - {id: p1, category: bfcl_parallel, prompt_text: Ping a.com, expected_calls: [{name: ping, arguments: {host: a.com}}]}
  - {id: r1, category: arithmetic, prompt_text: "2+2?", expected_answer: "4"}
  - {id: r2, category: reasoning, prompt_text: "3+3?", expected_answer: "6"}
"""


def test_own_categories_are_scored_as_their_kind() -> None:
    suite = parse_suite(SUITE, "s.yaml", "s")
    p1, r1, r2 = suite.prompts
    assert (p1.kind, r1.kind, r2.kind) == ("tool_calling", "reasoning", "reasoning")
    assert list(suite.by_category()) == ["reasoning", "bfcl_parallel", "arithmetic"]
    assert list(KINDS)[:3] == ["tool_calling", "code_generation", "reasoning"]  # by position
    call = Turn("", ({"type": "function", "function": {"name": "ping", "arguments": '{"host": "a.com"}'}},))
    assert score_prompt(p1, RecordedResponse((call,))).passed
    assert score_prompt(r1, RecordedResponse((Turn("4"),))).passed


def test_own_categories_get_their_own_columns_with_labels() -> None:
    suite = parse_suite(SUITE, "s.yaml", "s")
    results = tuple(score_prompt(p, RecordedResponse((Turn("4"),))) for p in suite.prompts)
    report = EvalReport("m", None, "s", "h", results, 3, "", 0.0, labels=suite.labels())
    assert report.to_dict()["category_labels"] == {
        "bfcl_parallel": "BFCL parallel",
        "arithmetic": "arithmetic",
    }
    table = render_table([eval_row(report, "base", None)])
    header = table.splitlines()[0]
    assert (
        "| Tool Calling | Code Gen | Reasoning | Multi-turn | BFCL parallel | arithmetic | Suite | Notes |"
        in header
    )
    assert report.call_sources() == {"none": 1}  # the tool-calling kind, whatever the category's name


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ("{x: poetry}", "kind 'poetry' is not one of"),
        ("{reasoning: tool_calling}", "'reasoning' is built in"),
        ("{x: {kind: reasoning, colour: red}}", "unknown key"),
    ],
)
def test_bad_categories_are_refused(categories: str, message: str) -> None:
    text = f"categories: {categories}\nprompts:\n  - {{id: a, category: reasoning, prompt_text: x, expected_answer: '1'}}\n"
    with pytest.raises(UsageError, match=message):
        parse_suite(text, "s.yaml", "s")
