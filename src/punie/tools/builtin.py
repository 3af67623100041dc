"""The built-in tools, each declared once: its name, its JSON schema, what it does, and how the
dataset generator asks for it (its phrasings live in `phrasings.py`).

`BUILTIN` maps a name to its `Tool`; the agent loop dispatches through it (no chain of names),
`AGENT_TOOLS` is the schemas in the order the dataset generator and the suites offer them.
`run_command` runs in the OS sandbox over a copy of the workspace that is copied back whole.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult
from punie.tools import phrasings as P
from punie.tools.workspace import Workspace

RESULT_LIMIT = 4000  # characters of a tool's answer the model gets back

# (workspace, arguments, sandbox limits) -> the text the model reads
Run = Callable[[Workspace, Mapping[str, Any], SandboxLimits], str]


@dataclass(frozen=True)
class Example:
    """One generated use of a tool: the request, the call's arguments, the tool's result and the
    final answer (the dataset generator makes chat examples of it)."""

    ask: str
    arguments: dict[str, Any]
    result: str
    answer: str


# a random source -> one example; the draws' order is part of a seed's dataset
Examples = Callable[[random.Random], Example]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    properties: Mapping[str, Any]
    required: tuple[str, ...]
    run: Run
    examples: Examples  # what the dataset generator asks of this tool
    weight: int = 3  # how often the generator picks this tool against the others and no tool
    executes: bool = False  # it runs model-written commands (in the OS sandbox)

    @property
    def schema(self) -> dict[str, Any]:
        """The OpenAI function schema the model is offered."""
        parameters = {"type": "object", "properties": dict(self.properties), "required": list(self.required)}
        return function_schema(self.name, self.description, parameters)


def function_schema(name: str, description: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """An OpenAI-style function schema (pure): every tool, built-in or a suite's, is offered so."""
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": dict(parameters)},
    }


def _read_file(ws: Workspace, args: Mapping[str, Any], limits: SandboxLimits) -> str:
    return ws.read_file(str(args["path"]))


def _write_file(ws: Workspace, args: Mapping[str, Any], limits: SandboxLimits) -> str:
    return ws.write_file(str(args["path"]), str(args["content"]))


def _run_command(ws: Workspace, args: Mapping[str, Any], limits: SandboxLimits) -> str:
    outcome = run_shell_sandboxed(str(args["command"]), ws, limits)
    status = "timed out" if outcome.timed_out else f"exit code {outcome.exit_code}"
    return f"{status}\n{outcome.stdout}{outcome.stderr}"[:RESULT_LIMIT]


def run_shell_sandboxed(command: str, ws: Workspace, limits: SandboxLimits) -> SandboxResult:
    """`/bin/sh -c command` in the sandbox, over (a copy of) the workspace."""
    from punie.sandbox.isolation import execute  # the backends load only when a command runs

    return execute(ExecRequest(("/bin/sh", "-c", command), workspace=ws.root, sync_back=True), limits)


def _read_example(rng: random.Random) -> Example:
    path = rng.choice(P.PATHS)
    text = P.text_of(path)
    first = text.splitlines()[0]
    answer = f"{path} has {len(text.splitlines())} line(s); it starts with `{first}`."
    return Example(rng.choice(P.READ_ASKS).format(p=path), {"path": path}, text, answer)


def _write_example(rng: random.Random) -> Example:
    path, content = rng.choice(P.PATHS), rng.choice(P.CONTENTS)
    ask = rng.choice(P.WRITE_ASKS).format(p=path, c=content)
    result = f"wrote {len(content)} characters to {path}"
    return Example(ask, {"path": path, "content": content}, result, f"Done: {path} now holds `{content}`.")


def _run_example(rng: random.Random) -> Example:
    ask, command, output = rng.choice(P.COMMANDS)
    return Example(ask, {"command": command}, output, f"`{command}` printed: {output.splitlines()[0]}")


TOOLS = (
    Tool(
        "read_file",
        "Read a text file from the project.",
        {"path": {"type": "string", "description": "Relative path"}},
        ("path",),
        _read_file,
        _read_example,
    ),
    Tool(
        "write_file",
        "Write text to a file in the project, replacing it.",
        {"path": {"type": "string", "description": "Relative path"}, "content": {"type": "string"}},
        ("path", "content"),
        _write_file,
        _write_example,
    ),
    Tool(
        "run_command",
        "Run a shell command in the project directory and return its output.",
        {"command": {"type": "string", "description": "The command line"}},
        ("command",),
        _run_command,
        _run_example,
        executes=True,
    ),
)
BUILTIN: dict[str, Tool] = {tool.name: tool for tool in TOOLS}
AGENT_TOOLS = [tool.schema for tool in TOOLS]
