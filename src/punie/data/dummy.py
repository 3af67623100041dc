"""`create_dummy_dataset`: a small chat dataset for benchmarks and smoke tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from punie.runtime.atomic import replacing
from punie.tools.builtin import BUILTIN

READ_FILE_TOOL: dict[str, Any] = BUILTIN["read_file"].schema  # the one declaration of read_file

PLAIN = [
    ("What does `len([1, 2, 3])` return in Python?", "It returns 3, the number of items in the list."),
    ("Write a Python function that adds two numbers.", "def add(a, b):\n    return a + b"),
    ("What is 12 times 7?", "12 times 7 is 84."),
    ("How do I reverse a string in Python?", "Use slicing: `text[::-1]` returns the reversed string."),
    ("What does `git status` show?", "It shows changed, staged and untracked files in the working tree."),
]
FILES = ["main.py", "README.md", "setup.cfg", "src/app.py", "tests/test_app.py"]


def _tool_example(index: int) -> dict[str, Any]:
    path = FILES[index % len(FILES)]
    return {
        "messages": [
            {"role": "user", "content": f"Show me what is in {path}."},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"type": "function", "function": {"name": "read_file", "arguments": {"path": path}}}
                ],
            },
        ],
        "tools": [READ_FILE_TOOL],
    }


def _plain_example(index: int) -> dict[str, Any]:
    question, answer = PLAIN[index % len(PLAIN)]
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def dummy_examples(num_examples: int) -> list[dict[str, Any]]:
    """Pure: `num_examples` chat examples, every other one a structured `read_file` call."""
    return [_tool_example(i) if i % 2 == 0 else _plain_example(i) for i in range(num_examples)]


def create_dummy_dataset(directory: Path, num_examples: int = 5) -> None:
    """Write `train.jsonl`, `valid.jsonl` and `test.jsonl`, each with `num_examples` examples.

    Each split holds `num_examples` (mlx-lm needs at least one batch in every split it reads),
    half of them tool calls with a `tools` schema, so the benchmark renders the same template
    real tool-calling training uses.
    """
    if num_examples < 1:
        raise ValueError("num_examples must be at least 1")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    examples = dummy_examples(num_examples)
    for split in ("train", "valid", "test"):
        with replacing(directory / f"{split}.jsonl") as tmp, open(tmp, "w", encoding="utf-8") as handle:
            for example in examples:
                handle.write(json.dumps(example) + "\n")
