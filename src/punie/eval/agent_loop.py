"""The agent under test: a small tool loop over a throwaway workspace.

The model's calls are executed whether they came back structured or were written as text
(`<tool_call>{...}</tool_call>`), so a model trained on either format still acts; the scorer
tells the two apart. `read_file`/`write_file` stay inside the workspace; `run_command` runs in
the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from punie.agent.workspace_tools import Workspace
from punie.eval.response import Turn
from punie.eval.sandbox import SandboxLimits, run_shell_sandboxed
from punie.eval.tool_parse import Call

# (messages, tool schemas) -> the assistant's next turn. The real one posts to
# /v1/chat/completions; tests pass a plain async function.
ChatFn = Callable[[list[dict[str, Any]], list[dict[str, Any]]], Awaitable[Turn]]
MAX_TURNS = 3
RESULT_LIMIT = 4000


@dataclass(frozen=True)
class AgentTools:
    workspace: Workspace
    limits: SandboxLimits = field(default_factory=SandboxLimits)

    def execute(self, call: Call) -> str:
        """Run one call; a bad call gets an error string back (the model sees it), never an exception."""
        args = call.arguments
        try:
            if call.name == "read_file":
                return self.workspace.read_file(str(args["path"]))
            if call.name == "write_file":
                return self.workspace.write_file(str(args["path"]), str(args["content"]))
            if call.name == "run_command":
                outcome = run_shell_sandboxed(str(args["command"]), self.workspace.root, self.limits)
                status = "timed out" if outcome.timed_out else f"exit code {outcome.exit_code}"
                return f"{status}\n{outcome.stdout}{outcome.stderr}"[:RESULT_LIMIT]
        except KeyError as exc:
            return f"error: missing argument {exc.args[0]!r} for {call.name}"
        return f"error: unknown tool {call.name!r}"


def _tool_messages(turn: Turn, calls: tuple[Call, ...], results: list[str]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for index, (call, result) in enumerate(zip(calls, results, strict=True)):
        message = {"role": "tool", "name": call.name, "content": result[:RESULT_LIMIT]}
        if index < len(turn.tool_calls) and turn.tool_calls[index].get("id"):
            message["tool_call_id"] = turn.tool_calls[index]["id"]
        messages.append(message)
    return messages


def _assistant_message(turn: Turn) -> dict[str, Any]:
    message = copy.deepcopy(turn.message())
    for call in message.get("tool_calls", []):
        function = call.get("function", {})
        if isinstance(function.get("arguments"), str):  # our template expects a mapping
            with contextlib.suppress(json.JSONDecodeError):
                function["arguments"] = json.loads(function["arguments"] or "{}")
    return message


async def run_agent(
    prompt_text: str,
    chat: ChatFn,
    tools: AgentTools,
    schemas: list[dict[str, Any]],
    max_turns: int = MAX_TURNS,
) -> tuple[Turn, ...]:
    """Ask, execute the calls, feed the results back, until the model answers or `max_turns`."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt_text}]
    turns: list[Turn] = []
    for _ in range(max_turns):
        turn = await chat(messages, schemas)
        calls = turn.parsed().calls
        if not calls:
            turns.append(turn)
            break
        # In a worker thread: a tool (run_command) may take seconds, and the event loop must stay
        # free for the prompt timeout and the other prompts.
        results = [await asyncio.to_thread(tools.execute, call) for call in calls]
        turns.append(replace(turn, tool_results=tuple(r[:RESULT_LIMIT] for r in results)))
        messages.append(_assistant_message(turn))
        messages.extend(_tool_messages(turn, calls, results))
    return tuple(turns)
