"""A template-based generator of tool-calling chat examples for the agent's tools.

Every call is a structured `tool_calls` entry (never text) followed by the tool's result and the
final answer, every example offers the same three tools, and about a fifth need no tool at all, so
a trained model also learns when not to call.
"""

from __future__ import annotations

import random
from typing import Any

from punie.data.chat import ChatExample, Message, ToolCall
from punie.tools.builtin import AGENT_TOOLS

# Train and eval pools are disjoint: no path, request phrasing or no-tool question here appears in
# the built-in suite (tests/unit/test_generate_tool_calling.py checks it with the decontamination
# linter), so a pass on the suite is not a memorised training example.
PATHS = [
    "main.py",
    "pyproject.toml",
    "src/utils.py",
    "setup.cfg",
    "docs/index.md",
    "src/models.py",
    "lib/core.py",
    "tests/test_utils.py",
    "CHANGELOG.md",
    "scripts/build.sh",
    "app/views.py",
    "notes/plan.md",
    "src/db.py",
    "tox.ini",
    "docs/api.md",
    "pkg/__init__.py",
    "tests/conftest.py",
    "server.toml",
    "tools/release.sh",
    "CONTRIBUTING.md",
]
FILE_TEXT = {
    ".py": "def helper(value):\n    return value * 2\n",
    ".toml": '[project]\nname = "demo"\nversion = "0.2.0"\n',
    ".cfg": "[metadata]\nname = demo\n",
    ".ini": "[tox]\nenvlist = py311\n",
    ".md": "# Demo\n\nA small example project.\n",
    ".sh": "#!/bin/sh\nset -e\npython -m build\n",
}
READ_ASKS = [
    "Print the contents of {p}.",
    "Read {p} for me.",
    "Display {p}, please.",
    "I need to see {p}.",
    "Open {p} and show its contents.",
    "Give me the text of {p}.",
    "Show {p}.",
    "What does the file {p} contain?",
    "Dump {p} here.",
    "Could you read the file {p}?",
]
WRITE_ASKS = [
    "Make a file {p} with: {c}",
    "Put {c} in {p}.",
    "Store the following in {p}: {c}",
    "Replace the contents of {p} with: {c}",
    "Fill {p} with {c}",
    "Save {c} to {p}.",
]
CONTENTS = [
    "print('ready')",
    "# TODO: fill in",
    "x = 1",
    "import sys",
    "VALUE = 3",
    "hello world",
    "name = demo",
    "PORT = 9000",
]
COMMANDS = [
    ("Execute the unit tests.", "pytest -q", "3 passed in 0.02s"),
    ("Which files are here?", "ls", "README.md\nmain.py\nsrc"),
    (
        "Check git for uncommitted changes.",
        "git status",
        "On branch main\nnothing to commit, working tree clean",
    ),
    ("Which Python version do we have?", "python --version", "Python 3.11.7"),
    ("Lint the code with ruff.", "ruff check .", "All checks passed!"),
    ("Show the last three commits using git log -3.", "git log -3", "commit 1a2b3c\nAuthor: dev"),
    ("How big is this folder? Use du -sh.", "du -sh", "48K\t."),
    ("Find every TODO with grep -rn TODO .", "grep -rn TODO .", "main.py:3:# TODO: fill in"),
    ("Type-check the package by running mypy src.", "mypy src", "Success: no issues found"),
    ("Show the date by running date.", "date", "Thu Nov 26 12:00:00 UTC 2026"),
    ("Run `cat setup.cfg` in the shell.", "cat setup.cfg", "[metadata]\nname = demo"),
    ("Use head -n 2 main.py to peek at main.py.", "head -n 2 main.py", "import sys\n"),
]
NO_TOOL = [
    ("Explain what the `range` function does in Python.", "`range` yields a sequence of integers."),
    ("What is a unit test?", "A small test that checks one piece of code in isolation."),
    ("Greet me, please.", "Hello! How can I help?"),
    ("What is a Python dictionary?", "A mapping from keys to values, e.g. `{'a': 1}`."),
    ("What does HTTP status 500 mean?", "500 means the server hit an internal error."),
    ("What does RAM stand for?", "RAM stands for random-access memory."),
]


def _call(name: str, arguments: dict[str, Any]) -> Message:
    return Message("assistant", "", (ToolCall(name, arguments),))


def _trajectory(
    user: str, call: Message, result: str, answer: str, category: str, whole: bool
) -> list[dict[str, Any]]:
    """The turn the agent loop runs: request -> call, and (when `whole`) also request -> call ->
    the tool's result -> final answer. Each ends in the assistant message it teaches: with
    mask_prompt mlx-lm trains only an example's last message, so a whole trajectory alone would
    teach the final answer and never the call (the model then answers without calling)."""
    tools = tuple(AGENT_TOOLS)
    messages = (Message("user", user), call, Message("tool", result), Message("assistant", answer))
    rows = [ChatExample(messages[:2], tools, category).to_dict()]
    if whole:
        rows.append(ChatExample(messages, tools, category).to_dict())
    return rows


def _text_of(path: str) -> str:
    return next((text for suffix, text in FILE_TEXT.items() if path.endswith(suffix)), "(empty)\n")


def one_example(rng: random.Random, whole_share: float = 0.5) -> list[dict[str, Any]]:
    kind = rng.choices(["read", "write", "run", "none"], weights=[3, 3, 3, 2])[0]
    whole = rng.random() < whole_share
    if kind == "read":
        path = rng.choice(PATHS)
        text = _text_of(path)
        first = text.splitlines()[0]
        return _trajectory(
            rng.choice(READ_ASKS).format(p=path),
            _call("read_file", {"path": path}),
            text,
            f"{path} has {len(text.splitlines())} line(s); it starts with `{first}`.",
            "read_file",
            whole,
        )
    if kind == "write":
        path, content = rng.choice(PATHS), rng.choice(CONTENTS)
        return _trajectory(
            rng.choice(WRITE_ASKS).format(p=path, c=content),
            _call("write_file", {"path": path, "content": content}),
            f"wrote {len(content)} characters to {path}",
            f"Done: {path} now holds `{content}`.",
            "write_file",
            whole,
        )
    if kind == "run":
        ask, command, output = rng.choice(COMMANDS)
        return _trajectory(
            ask,
            _call("run_command", {"command": command}),
            output,
            f"`{command}` printed: {output.splitlines()[0]}",
            "run_command",
            whole,
        )
    question, answer = rng.choice(NO_TOOL)
    messages = (Message("user", question), Message("assistant", answer))
    return [ChatExample(messages, tuple(AGENT_TOOLS), "no_tool").to_dict()]


def generate_tool_calling(n: int, seed: int = 0, whole_share: float = 0.5) -> list[dict[str, Any]]:
    """Pure: `n` examples, the same for the same seed. Every tool request gives the example that
    ends at its call; `whole_share` of them also give the whole trajectory (see _trajectory)."""
    if not 0 <= whole_share <= 1:
        raise ValueError(f"whole_share must be in [0, 1], got {whole_share}")
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    while len(rows) < n:
        rows.extend(one_example(rng, whole_share))
    return rows[:n]
