import json
from pathlib import Path
from typing import Any

from punie.eval.agent_loop import AgentTools, run_agent
from punie.eval.response import Turn
from punie.eval.tool_parse import Call
from punie.tools.builtin import AGENT_TOOLS
from punie.tools.workspace import Workspace


class ScriptedModel:
    """A fake model: answers from a script and records what it was sent."""

    def __init__(self, *turns: Turn) -> None:
        self.turns = list(turns)
        self.seen: list[list[dict[str, Any]]] = []

    async def __call__(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Turn:
        self.seen.append(json.loads(json.dumps(messages)))
        return self.turns.pop(0)


async def test_text_tool_call_is_executed_and_its_result_fed_back(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.seed({"README.md": "# hello"})
    model = ScriptedModel(
        Turn('<tool_call>{"name": "read_file", "arguments": {"path": "README.md"}}</tool_call>'),
        Turn("It says hello."),
    )
    turns = await run_agent("Show README.md", model, AgentTools(ws), AGENT_TOOLS)
    assert [t.content for t in turns][-1] == "It says hello."
    assert turns[0].tool_results == ("# hello",)
    tool_message = model.seen[1][-1]
    assert tool_message["role"] == "tool" and tool_message["content"] == "# hello"


async def test_structured_write_stays_in_the_workspace(tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    ws_dir.mkdir()
    escape = {
        "id": "1",
        "function": {"name": "write_file", "arguments": '{"path": "../evil.txt", "content": "x"}'},
    }
    write = {
        "id": "2",
        "function": {"name": "write_file", "arguments": '{"path": "a/b.txt", "content": "ok"}'},
    }
    model = ScriptedModel(Turn("", (escape, write), "tool_calls"), Turn("done"))
    turns = await run_agent("write", model, AgentTools(Workspace(ws_dir)), AGENT_TOOLS)
    assert not (tmp_path / "evil.txt").exists()
    assert (ws_dir / "a" / "b.txt").read_text() == "ok"
    assert "outside the workspace" in turns[0].tool_results[0]
    assert model.seen[1][-2]["tool_call_id"] == "1"
    assert model.seen[1][-3]["tool_calls"][0]["function"]["arguments"] == {
        "path": "../evil.txt",
        "content": "x",
    }


async def test_the_loop_stops_at_the_turn_limit(tmp_path: Path) -> None:
    call = Turn('<tool_call>{"name": "read_file", "arguments": {"path": "x"}}</tool_call>')
    model = ScriptedModel(call, call, call, call)
    turns = await run_agent("loop", model, AgentTools(Workspace(tmp_path)), AGENT_TOOLS, max_turns=2)
    assert len(turns) == 2 and len(model.turns) == 2


def test_bad_calls_answer_with_errors(tmp_path: Path) -> None:
    tools = AgentTools(Workspace(tmp_path))
    assert tools.execute(Call("read_file", {})) == "error: read_file: missing argument 'path'"
    assert tools.execute(Call("read_file", {"path": 3})) == (
        "error: read_file: argument 'path': Input should be a valid string"
    )
    assert tools.execute(Call("read_file", {"path": "a", "mode": "r"})).startswith(
        "error: read_file: argument 'mode'"
    )
    assert tools.execute(Call("delete_everything", {})).startswith("error: unknown tool")


def test_run_command_runs_in_the_sandbox_over_the_workspace(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("PUNIE_TEST_SECRET", "s3cret")
    ws_dir = tmp_path / "ws"
    ws_dir.mkdir()
    (ws_dir / "here.txt").write_text("x")
    tools = AgentTools(Workspace(ws_dir))
    listed = tools.execute(
        Call("run_command", {"command": "ls; echo secret=$PUNIE_TEST_SECRET; echo made > new.txt"})
    )
    assert listed.startswith("exit code 0") and "here.txt" in listed and "s3cret" not in listed
    assert (ws_dir / "new.txt").read_text() == "made\n"  # the workspace copy came back
    assert tools.execute(Call("read_file", {"path": "new.txt"})) == "made\n"
