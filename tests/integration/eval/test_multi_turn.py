"""Multi-turn prompts over a user's own stateful tools (docs/examples/inventory): scripted answers
judged by the state the tools are left in, in the real sandbox; then `punie eval` of that suite
on the embedded model, which must give every prompt a verdict."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from punie.eval.agent_loop import AgentTools, run_agent
from punie.eval.kinds import KINDS
from punie.eval.kinds.multi_turn import FAILURES
from punie.eval.response import RecordedResponse, Turn
from punie.eval.suite import EvalPrompt
from punie.eval.suite_load import load_suite
from punie.eval.tool_module import module_tools
from punie.eval.tool_module_run import ToolSession
from punie.sandbox import SandboxLimits
from punie.tools.workspace import Workspace
from tests.helpers import run_punie

SUITE = Path(__file__).parents[3] / "docs" / "examples" / "inventory" / "suite.yaml"
LIMITS = SandboxLimits(wall_seconds=10)


def call(name: str, **arguments: Any) -> str:
    return f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>"


def scripted(by_user_turn: dict[int, list[str]]) -> Any:
    """A model that, after each user message, makes that turn's calls (one model turn each) and
    then says it is done."""

    async def chat(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Turn:
        user_turn = sum(1 for m in messages if m["role"] == "user") - 1
        since = len(messages) - max(i for i, m in enumerate(messages) if m["role"] == "user") - 1
        made = since // 2  # each call turn adds an assistant message and a tool result
        planned = by_user_turn.get(user_turn, [])
        return Turn(planned[made]) if made < len(planned) else Turn("Done.")

    return chat


def answer(
    prompt: EvalPrompt, by_user_turn: dict[int, list[str]], tmp_path: Path
) -> tuple[RecordedResponse, Any]:
    assert prompt.tool_module is not None
    tools = AgentTools(
        Workspace(tmp_path),
        LIMITS,
        session=ToolSession(prompt.tool_module, prompt.initial_state, LIMITS),
        stateful=frozenset(spec.name for spec in module_tools(prompt.tool_module)),
    )
    turns = asyncio.run(
        run_agent(
            prompt.conversation(), scripted(by_user_turn), tools, prompt.tool_schemas(), 3, prompt.later_turns
        )
    )
    response = RecordedResponse(turns)
    return response, KINDS[prompt.kind].score(prompt, response, LIMITS)


def sell_then_restock(restocked: int, tmp_path: Path) -> tuple[RecordedResponse, Any]:
    """Ana's 3 pears ordered in the first user turn, `restocked` pears added in the second."""
    turns = {
        0: [call("order", item="pear", quantity=3, customer="Ana")],
        1: [call("restock", item="pear", quantity=restocked)],
    }
    return answer(load_suite(SUITE).get("sell-then-restock"), turns, tmp_path)


def test_the_right_calls_over_two_user_turns_pass(tmp_path: Path) -> None:
    response, (passed, failure, reason) = sell_then_restock(10, tmp_path)
    assert (passed, failure) == (True, None), reason
    assert [t.user_turn for t in response.turns] == [0, 0, 1, 1]
    assert json.loads(response.turns[0].tool_results[0]) == {"in_stock": 1, "order": 1}
    assert json.loads(response.turns[2].tool_results[0]) == {"in_stock": 11, "item": "pear"}


def test_a_wrong_second_turn_fails_on_the_state_it_left(tmp_path: Path) -> None:
    _, (passed, failure, reason) = sell_then_restock(1, tmp_path)
    assert (passed, failure) == (False, "wrong_state")
    assert reason == 'after user turn 2: Inventory.stock is {"pear": 2}, expected {"pear": 11}'


def test_a_tool_that_raises_answers_the_model_and_the_prompt_goes_on(tmp_path: Path) -> None:
    prompt = load_suite(SUITE).get("sell-then-restock")
    response, (passed, failure, reason) = answer(
        prompt, {0: [call("order", item="pear", quantity=9, customer="Ana")]}, tmp_path
    )
    assert response.turns[0].tool_results == ("error: ValueError: only 4 pear in stock",)
    assert response.turns[-1].content == "Done." and response.turns[-1].user_turn == 1  # turn 2 was asked
    assert (passed, failure) == (False, "wrong_state")
    assert reason.startswith('after user turn 1: Inventory.stock is {"pear": 4}, expected {"pear": 1}')


def test_a_turn_without_its_calls_or_their_results_fails_and_the_end_state_is_checked(tmp_path: Path) -> None:
    prompt = load_suite(SUITE).get("count-plums")
    _, (passed, failure, reason) = answer(prompt, {0: [call("count", item="plum")]}, tmp_path)
    assert (passed, failure) == (True, None), reason
    _, (passed, failure, reason) = answer(
        prompt, {0: [call("order", item="plum", quantity=1, customer="X")]}, tmp_path
    )
    assert (passed, failure) == (False, "wrong_state") and "Inventory.stock is" in reason
    _, (passed, failure, reason) = answer(prompt, {}, tmp_path)  # the state is right, but no call
    assert (passed, failure) == (
        False,
        "empty_turn",
    ) and reason == "user turn 1: no call made, expected count"
    _, (passed, failure, reason) = answer(prompt, {0: [call("count", item="pear")]}, tmp_path)
    assert (passed, failure) == (False, "missing_result") and reason == "user turn 1: no call returned 1"


@pytest.mark.integration
def test_eval_of_the_inventory_suite_gives_every_prompt_a_verdict(
    tmp_path: Path, serve_model_dir: Path
) -> None:
    out = tmp_path / "inventory"
    done = run_punie("eval", "--suite", str(SUITE), "--max-tokens", "128", "--output", str(out), timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["complete"] and len(report["results"]) == 3
    assert report["scored_by_category"]["inventory"] == 3
    for result in report["results"]:
        assert result["failure"] is None or result["failure"] in (*FAILURES, "crashed")
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    two = next(r for r in records if r["prompt_id"] == "sell-then-restock")
    asked = {t.get("user_turn", 0) for t in two["response"]["turns"]}
    assert asked <= {0, 1} and 0 in asked


def test_with_no_call_the_end_state_is_the_initial_one() -> None:
    """Asked for the last state only, a run of no batch still answers with the initial state (it
    answered with none, so an `expected_state` prompt the model rightly left alone failed)."""
    from punie.eval.tool_module_run import replay

    module = load_suite(SUITE).get("count-plums").tool_module
    assert module is not None
    outcome = replay(module, {"Inventory": {"stock": {"plum": 1}}}, [], LIMITS, states="last")
    assert outcome.error is None and outcome.states == ()
    assert outcome.initial["Inventory"]["stock"] == {"plum": 1}
