"""The agent under test: a small tool loop over a throwaway workspace.

The model's calls are executed whether they came back structured or were written as text
(`<tool_call>{...}</tool_call>`), so a model trained on either format still acts; the scorer
tells the two apart. `read_file`/`write_file` stay inside the workspace; `run_command` runs in
the sandbox. A suite's stateful tool module (`tool_module:`) runs in the sandbox too, keeping its
state across the calls and user turns of one prompt (`punie.eval.tool_module_run`). A suite's
other own tools are not executed: their calls are scored as made, unless the suite scripts their
results (`tool_results:`), which are fed back like real ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from punie.eval.response import Turn
from punie.eval.timeouts import Stopwatch
from punie.eval.tool_module_run import ToolSession
from punie.eval.tool_parse import Call
from punie.sandbox import SandboxLimits
from punie.tools.builtin import BUILTIN, RESULT_LIMIT
from punie.tools.workspace import Workspace

# (messages, tool schemas) -> the assistant's next turn. The real one posts to
# /v1/chat/completions; tests pass a plain async function.
ChatFn = Callable[[list[dict[str, Any]], list[dict[str, Any]]], Awaitable[Turn]]
MAX_TURNS = 3


TOOL_TIME_TURNS = MAX_TURNS  # a prompt's commands may take this many sandbox wall limits together


@dataclass(frozen=True)
class AgentTools:
    workspace: Workspace
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    scripted: Mapping[str, str] = field(default_factory=dict)  # a suite's scripted tool results
    declared: frozenset[str] = frozenset()  # a suite's own tools: their calls are scored, not run
    clock: Stopwatch = field(default_factory=Stopwatch)  # its tools' time; one per prompt
    session: ToolSession | None = None  # the suite's stateful tools, this prompt's instances
    stateful: frozenset[str] = frozenset()  # the names of those tools

    @property
    def tool_seconds(self) -> float:
        """What a prompt's tool calls may take together; past it they are refused, not run."""
        return self.limits.wall_seconds * TOOL_TIME_TURNS

    def execute(self, call: Call) -> str | None:
        """Run one call; a bad call gets an error string back (the model sees it), never an
        exception, whatever the call holds. A suite's own tool without a scripted result is not
        run: None."""
        if call.name in self.scripted:
            return self.scripted[call.name]
        if call.name in self.declared:
            return None
        tool = BUILTIN.get(call.name)
        if tool is None:
            return f"error: unknown tool {call.name!r}"
        left = self.tool_seconds - self.clock.spent
        if left < 1:
            return (
                f"error: this prompt's tools have used their {self.tool_seconds:g} s; {call.name} was not run"
            )
        try:
            with self.clock.timing():
                limits = replace(self.limits, wall_seconds=min(self.limits.wall_seconds, left))
                return tool.run(self.workspace, call.arguments, limits)
        except Exception as exc:  # the documented contract: the model gets an error string
            return f"error: {call.name} failed: {exc.__class__.__name__}: {exc}"[:RESULT_LIMIT]

    def execute_turn(self, calls: tuple[Call, ...]) -> list[str | None]:
        """One model turn's calls: the stateful tools' together (one sandboxed run, in the
        order made), each other call on its own."""
        outcomes: list[str | None] = [None if c.name in self.stateful else self.execute(c) for c in calls]
        mine = [i for i, c in enumerate(calls) if c.name in self.stateful]
        if mine and self.session is not None:
            for index, result in zip(mine, self.session.call([calls[i] for i in mine]), strict=True):
                outcomes[index] = result
        return outcomes


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


async def _answer(
    messages: list[dict[str, Any]],
    chat: ChatFn,
    tools: AgentTools,
    schemas: list[dict[str, Any]],
    max_turns: int,
    user_turn: int = 0,
) -> tuple[list[Turn], bool]:
    """One user message answered: ask, execute the calls, feed the results back (into
    `messages`), until the model answers or `max_turns`. The turns, and whether the loop went to
    its end (False: a call of a tool that cannot run here ended it)."""
    turns: list[Turn] = []
    for _ in range(max_turns):
        turn = replace(await chat(messages, schemas), user_turn=user_turn)
        calls = turn.parsed().calls
        if not calls:
            turns.append(turn)
            messages.append(_assistant_message(turn))
            break
        # In a worker thread: a tool (run_command, a stateful module) may take seconds, and the
        # event loop must stay free for the prompt timeout and the other prompts.
        outcomes = await asyncio.to_thread(tools.execute_turn, calls)
        if any(outcome is None for outcome in outcomes):
            turns.append(turn)
            return turns, False
        results = [str(outcome) for outcome in outcomes]
        turns.append(replace(turn, tool_results=tuple(r[:RESULT_LIMIT] for r in results)))
        messages.append(_assistant_message(turn))
        messages.extend(_tool_messages(turn, calls, results))
    return turns, True


async def run_agent(
    conversation: str | list[dict[str, Any]],
    chat: ChatFn,
    tools: AgentTools,
    schemas: list[dict[str, Any]] | Callable[[int], list[dict[str, Any]]],
    max_turns: int = MAX_TURNS,
    later_turns: tuple[str, ...] = (),
) -> tuple[Turn, ...]:
    """Answer the conversation, then each of `later_turns` (a multi-turn prompt's next user
    messages) after it, in one conversation: up to `max_turns` model turns for each, offered
    `schemas` (or `schemas(user turn)`: the tools may grow from turn to turn). A call of a tool
    that cannot run here (not built in, no scripted result) ends it: it is scored as made."""
    messages: list[dict[str, Any]] = (
        [{"role": "user", "content": conversation}] if isinstance(conversation, str) else list(conversation)
    )
    turns: list[Turn] = []
    for index, message in enumerate(("", *later_turns)):
        if index:
            messages.append({"role": "user", "content": message})
        offered = schemas(index) if callable(schemas) else schemas
        answered, went_on = await _answer(messages, chat, tools, offered, max_turns, index)
        turns.extend(answered)
        if not went_on:
            break
    return tuple(turns)
