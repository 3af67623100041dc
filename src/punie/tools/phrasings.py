"""The phrasings and pools the dataset generator draws a built-in tool's examples from.

Train and eval pools are disjoint: no path, request phrasing or no-tool question here appears in
the built-in suite (tests/unit/data/test_generate_tool_calling.py checks it with the decontamination
linter), so a pass on the suite is not a memorised training example.
"""

from __future__ import annotations

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


def text_of(path: str) -> str:
    """What a generated read of `path` returns (by its suffix)."""
    return next((text for suffix, text in FILE_TEXT.items() if path.endswith(suffix)), "(empty)\n")
