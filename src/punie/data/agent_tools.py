"""JSON schemas of the agent's tools, shared by the dataset generator and the eval suites."""

from __future__ import annotations

from typing import Any


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


READ_FILE = _tool(
    "read_file",
    "Read a text file from the project.",
    {"path": {"type": "string", "description": "Relative path"}},
    ["path"],
)
WRITE_FILE = _tool(
    "write_file",
    "Write text to a file in the project, replacing it.",
    {"path": {"type": "string", "description": "Relative path"}, "content": {"type": "string"}},
    ["path", "content"],
)
RUN_COMMAND = _tool(
    "run_command",
    "Run a shell command in the project directory and return its output.",
    {"command": {"type": "string", "description": "The command line"}},
    ["command"],
)
AGENT_TOOLS = [READ_FILE, WRITE_FILE, RUN_COMMAND]
