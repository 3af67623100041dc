from pathlib import Path
from typing import Annotated

from pydantic import Field

from punie.sandbox.limits import SandboxLimits
from punie.tools.builtin import BUILTIN, Example, Tool, ToolContext
from punie.tools.workspace import Workspace


def test_reads_inside_and_refuses_outside(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n")
    (tmp_path.parent / "secret.txt").write_text("s3cret")
    ws = Workspace(tmp_path)
    assert ws.read_file("main.py") == "x = 1\n"
    assert ws.read_file("../secret.txt").startswith("error:")
    assert "s3cret" not in ws.read_file("/etc/../" + str(tmp_path.parent / "secret.txt"))
    assert ws.read_file("missing.py") == "error: no such file: missing.py"


def test_a_tool_s_schema_is_derived_from_its_function() -> None:
    """Issue 29: the schema comes from the function's name, docstring and typed arguments."""

    def count_lines(
        context: ToolContext, path: Annotated[str, Field(description="Relative path")], limit: int = 10
    ) -> str:
        """Count a file's lines.

        More text that the model is not shown.
        """
        return str(min(limit, len(context.workspace.read_file(path).splitlines())))

    tool = Tool(count_lines, lambda rng: Example("", {}, "", ""))
    function = tool.schema["function"]
    assert function["name"] == "count_lines" and function["description"] == "Count a file's lines."
    parameters = function["parameters"]
    assert parameters["properties"] == {
        "path": {"description": "Relative path", "type": "string"},
        "limit": {"default": 10, "type": "integer"},
    }
    assert parameters["required"] == ["path"] and parameters["additionalProperties"] is False
    assert BUILTIN["read_file"].schema["function"]["parameters"]["required"] == ["path"]


def test_a_call_s_arguments_are_checked_against_the_schema(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    workspace.seed({"a.txt": "one\ntwo\n"})
    read = BUILTIN["read_file"]
    assert read.run(workspace, {"path": "a.txt"}, SandboxLimits()) == "one\ntwo\n"
    assert read.run(workspace, {}, SandboxLimits()) == "error: read_file: missing argument 'path'"
    assert read.run(workspace, {"path": ["a.txt"]}, SandboxLimits()).startswith(
        "error: read_file: argument 'path'"
    )
