"""Pure dataset filters. Each returns the kept examples and a report with samples of what went.

- `language`: drop examples whose code is clearly not Python (fenced tags or telltale syntax).
- `python3`: drop examples with Python 2 idioms (`print x`, `xrange`, `except E, e`, ...).
- `min_quality`: drop examples whose final assistant turn is empty, a placeholder, or too short
  (a structured tool call always counts as substantive).
- `dedupe`: drop exact duplicates (same messages) and near-duplicates (word 3-gram Jaccard
  similarity of the whole conversation at or above a threshold).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from punie.data.formats import as_chat

Example = dict[str, Any]

FENCE = re.compile(r"```([A-Za-z0-9+#-]*)")
OTHER_LANGUAGE = re.compile(
    r"(#include\s*<|public\s+static\s+void|\bconsole\.log\(|\bfunction\s+\w+\s*\(|\bfn\s+main\s*\(|\bpackage\s+main\b)"
)
PYTHON2 = re.compile(
    r"(^|\n)\s*print\s+[\"'\w]|\bxrange\(|\braw_input\(|\bexcept\s+\w+\s*,\s*\w+\s*:|\bunicode\(|\.iteritems\(\)|\bprint\s+>>"
)
PLACEHOLDERS = {"", "todo", "n/a", "...", "tbd", "i don't know"}


@dataclass(frozen=True)
class FilterReport:
    name: str
    kept: int
    removed: int
    samples: tuple[str, ...]


def _contents(example: Example) -> list[str]:
    """The text of each turn (mlx-lm's text format: the text)."""
    chat = as_chat(example)
    if chat is None:
        return [str(example.get("text") or "")]
    return [str(m.get("content") or "") for m in chat.get("messages", []) if isinstance(m, dict)]


def _text(example: Example) -> str:
    return "\n".join(_contents(example))


def _preview(example: Example) -> str:
    return " | ".join(part[:60] for part in _contents(example))[:160]


def _apply(
    name: str, examples: Sequence[Example], drop: Callable[[Example], bool]
) -> tuple[list[Example], FilterReport]:
    kept: list[Example] = []
    removed: list[Example] = []
    for example in examples:
        (removed if drop(example) else kept).append(example)
    return kept, FilterReport(name, len(kept), len(removed), tuple(_preview(e) for e in removed[:3]))


def not_python(example: Example) -> bool:
    text = _text(example)
    tags = {tag.lower() for tag in FENCE.findall(text) if tag}
    if tags - {"python", "py", "python3", "text", "bash", "sh", "shell", "console", "json", "yaml", "toml"}:
        return True
    return bool(OTHER_LANGUAGE.search(text))


def python2(example: Example) -> bool:
    return bool(PYTHON2.search(_text(example)))


def low_quality(example: Example, min_chars: int = 2) -> bool:
    messages = [m for m in example.get("messages", []) if isinstance(m, dict)]
    if not messages or messages[-1].get("role") != "assistant":
        return True
    last = messages[-1]
    if last.get("tool_calls"):
        return False
    content = str(last.get("content") or "").strip()
    return content.lower() in PLACEHOLDERS or len(content) < min_chars


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def dedupe(examples: Sequence[Example], near: float = 0.9) -> tuple[list[Example], FilterReport]:
    seen_exact: set[str] = set()
    kept: list[Example] = []
    kept_shingles: list[set[str]] = []
    removed: list[Example] = []
    for example in examples:
        key = json.dumps(example, sort_keys=True)
        shingles = _shingles(_text(example) + " " + " ".join(_calls_text(example)))
        duplicate = key in seen_exact or any(
            len(shingles & other) / max(1, len(shingles | other)) >= near for other in kept_shingles
        )
        if duplicate:
            removed.append(example)
            continue
        seen_exact.add(key)
        kept.append(example)
        kept_shingles.append(shingles)
    return kept, FilterReport("dedupe", len(kept), len(removed), tuple(_preview(e) for e in removed[:3]))


def _calls_text(example: Example) -> list[str]:
    return [
        json.dumps(m.get("tool_calls"), sort_keys=True)
        for m in example.get("messages", [])
        if m.get("tool_calls")
    ]


def run_filters(
    examples: Sequence[Example],
    language: str | None,
    python3_only: bool,
    min_chars: int | None,
    near: float | None,
) -> tuple[list[Example], list[FilterReport]]:
    reports = []
    current = list(examples)
    if language:
        if language.lower() != "python":
            raise ValueError("--language supports 'python' only")
        current, report = _apply("language=python", current, not_python)
        reports.append(report)
    if python3_only:
        current, report = _apply("python3", current, python2)
        reports.append(report)
    if min_chars is not None:
        current, report = _apply(
            f"min-quality (>= {min_chars} chars)", current, lambda e: low_quality(e, min_chars)
        )
        reports.append(report)
    if near is not None:
        current, report = dedupe(current, near)
        reports.append(report)
    return current, reports
