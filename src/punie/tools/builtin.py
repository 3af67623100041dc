"""The built-in tools, each declared once as a typed function (its name, docstring and argument
types are its JSON schema; its body is what it does) with how the dataset generator asks for it
(the phrasings live in `phrasings.py`).

`BUILTIN` maps a name to its `Tool`; the agent loop dispatches through it (no chain of names),
`AGENT_TOOLS` is the schemas in the order the dataset generator and the suites offer them.
`run_command` runs in the OS sandbox over a copy of the workspace that is copied back whole.
"""

from __future__ import annotations

import inspect
import random
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.json_schema import GenerateJsonSchema

from punie.sandbox.limits import ExecRequest, SandboxLimits, SandboxResult
from punie.tools import phrasings as P
from punie.tools.workspace import Workspace

RESULT_LIMIT = 4000  # characters of a tool's answer the model gets back


@dataclass(frozen=True)
class ToolContext:
    """What a built-in tool runs against: the prompt's workspace and the sandbox's limits."""

    workspace: Workspace
    limits: SandboxLimits


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


class _NoTitles(GenerateJsonSchema):
    """pydantic's JSON schema without the titles it derives from names (the model sees the names)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


@dataclass(frozen=True)
class Tool:
    """One built-in tool. `function(context, **arguments)` runs it and returns the text the model
    reads; its name, its docstring's first paragraph and its typed arguments (descriptions in
    `Annotated[..., Field(description=...)]`) are the schema the model is offered, derived by
    pydantic as pydantic-ai derives a tool's."""

    function: Callable[..., str]
    examples: Examples  # what the dataset generator asks of this tool
    weight: int = 3  # how often the generator picks this tool against the others and no tool
    executes: bool = False  # it runs model-written commands (in the OS sandbox)

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def description(self) -> str:
        return (inspect.getdoc(self.function) or "").split("\n\n")[0].replace("\n", " ")

    @cached_property
    def _arguments(self) -> TypeAdapter[Any]:
        """Validates a call's arguments against the function's parameters after the context."""
        signature = inspect.signature(self.function)
        hints = typing.get_type_hints(self.function, include_extras=True)
        parameters = list(signature.parameters.values())[1:]

        def arguments(**given: Any) -> dict[str, Any]:
            return given

        arguments.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        arguments.__annotations__ = {p.name: hints[p.name] for p in parameters}
        return TypeAdapter(typing.cast(Any, arguments), config=ConfigDict(title=self.name))

    @property
    def schema(self) -> dict[str, Any]:
        """The OpenAI function schema the model is offered."""
        return function_schema(
            self.name, self.description, self._arguments.json_schema(schema_generator=_NoTitles)
        )

    def run(self, workspace: Workspace, arguments: Mapping[str, Any], limits: SandboxLimits) -> str:
        """The tool's answer to a call; arguments that do not fit its schema get an error string."""
        try:
            checked = self._arguments.validate_python(dict(arguments))
        except ValidationError as exc:
            return f"error: {self.name}: {_argument_problem(exc)}"
        return self.function(ToolContext(workspace, limits), **checked)


def _argument_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = ".".join(str(part) for part in error["loc"]) or "arguments"
    if error["type"] == "missing_argument":
        return f"missing argument {name!r}"
    return f"argument {name!r}: {error['msg']}"


def function_schema(name: str, description: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """An OpenAI-style function schema (pure): every tool, built-in or a suite's, is offered so."""
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": dict(parameters)},
    }


RelativePath = Annotated[str, Field(description="Relative path")]


def read_file(context: ToolContext, path: RelativePath) -> str:
    """Read a text file from the project."""
    return context.workspace.read_file(path)


def write_file(context: ToolContext, path: RelativePath, content: str) -> str:
    """Write text to a file in the project, replacing it."""
    return context.workspace.write_file(path, content)


def run_command(context: ToolContext, command: Annotated[str, Field(description="The command line")]) -> str:
    """Run a shell command in the project directory and return its output."""
    outcome = run_shell_sandboxed(command, context.workspace, context.limits)
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
    Tool(read_file, _read_example),
    Tool(write_file, _write_example),
    Tool(run_command, _run_example, executes=True),
)
BUILTIN: dict[str, Tool] = {tool.name: tool for tool in TOOLS}
AGENT_TOOLS = [tool.schema for tool in TOOLS]
