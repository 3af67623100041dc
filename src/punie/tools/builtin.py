"""The built-in tools, each declared once: its name, its JSON schema and what it does.

`BUILTIN` maps a name to its `Tool`; the agent loop dispatches through it (no chain of names),
`AGENT_TOOLS` is the schemas in the order the dataset generator and the suites offer them.
`run_command` runs in the OS sandbox over a copy of the workspace that is copied back whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult
from punie.tools.workspace import Workspace

RESULT_LIMIT = 4000  # characters of a tool's answer the model gets back

# (workspace, arguments, sandbox limits) -> the text the model reads
Run = Callable[[Workspace, Mapping[str, Any], SandboxLimits], str]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    properties: Mapping[str, Any]
    required: tuple[str, ...]
    run: Run

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


TOOLS = (
    Tool(
        "read_file",
        "Read a text file from the project.",
        {"path": {"type": "string", "description": "Relative path"}},
        ("path",),
        _read_file,
    ),
    Tool(
        "write_file",
        "Write text to a file in the project, replacing it.",
        {"path": {"type": "string", "description": "Relative path"}, "content": {"type": "string"}},
        ("path", "content"),
        _write_file,
    ),
    Tool(
        "run_command",
        "Run a shell command in the project directory and return its output.",
        {"command": {"type": "string", "description": "The command line"}},
        ("command",),
        _run_command,
    ),
)
BUILTIN: dict[str, Tool] = {tool.name: tool for tool in TOOLS}
AGENT_TOOLS = [tool.schema for tool in TOOLS]
