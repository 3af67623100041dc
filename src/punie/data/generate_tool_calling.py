"""A template-based generator of tool-calling chat examples for the agent's tools.

Every call is a structured `tool_calls` entry (never text), every example offers the same three
tools, and about a fifth need no tool at all, so a trained model also learns when not to call.
"""

from __future__ import annotations

import random
from typing import Any

from punie.data.agent_tools import AGENT_TOOLS
from punie.data.chat import ChatExample, Message, ToolCall

PATHS = [
    "main.py",
    "README.md",
    "pyproject.toml",
    "src/app.py",
    "src/utils.py",
    "tests/test_app.py",
    "setup.cfg",
    "docs/index.md",
    "config.yaml",
    "src/models.py",
]
READ_ASKS = [
    "Show me {p}.",
    "What is in {p}?",
    "Read {p} for me.",
    "Open {p} and show its contents.",
    "Can you look at {p}?",
]
WRITE_ASKS = ["Create {p} containing: {c}", "Write {c} to {p}.", "Save this into {p}: {c}"]
CONTENTS = ["print('hello')", "# TODO: fill in", "x = 1", "import os", "def main():\n    pass"]
COMMANDS = [
    ("Run the tests.", "pytest -q"),
    ("List the files here.", "ls"),
    ("Show the git status.", "git status"),
    ("What Python version is installed?", "python --version"),
    ("Check the code with ruff.", "ruff check ."),
]
NO_TOOL = [
    ("What does the `len` function do in Python?", "`len` returns the number of items in a container."),
    ("What is 7 times 8?", "7 times 8 is 56."),
    ("Say hello.", "Hello!"),
    ("What is a Python list comprehension?", "A compact way to build a list: `[x * 2 for x in items]`."),
    ("What does HTTP status 404 mean?", "404 means the server could not find the requested resource."),
]


def _call(name: str, arguments: dict[str, Any]) -> Message:
    return Message("assistant", "", (ToolCall(name, arguments),))


def _example(user: str, assistant: Message, category: str) -> dict[str, Any]:
    return ChatExample((Message("user", user), assistant), tuple(AGENT_TOOLS), category).to_dict()


def one_example(rng: random.Random) -> dict[str, Any]:
    kind = rng.choices(["read", "write", "run", "none"], weights=[4, 2, 2, 2])[0]
    if kind == "read":
        path = rng.choice(PATHS)
        return _example(rng.choice(READ_ASKS).format(p=path), _call("read_file", {"path": path}), "read_file")
    if kind == "write":
        path, content = rng.choice(PATHS), rng.choice(CONTENTS)
        ask = rng.choice(WRITE_ASKS).format(p=path, c=content)
        return _example(ask, _call("write_file", {"path": path, "content": content}), "write_file")
    if kind == "run":
        ask, command = rng.choice(COMMANDS)
        return _example(ask, _call("run_command", {"command": command}), "run_command")
    question, answer = rng.choice(NO_TOOL)
    return _example(question, Message("assistant", answer), "no_tool")


def generate_tool_calling(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Pure: `n` examples, the same for the same seed."""
    rng = random.Random(seed)
    return [one_example(rng) for _ in range(n)]
