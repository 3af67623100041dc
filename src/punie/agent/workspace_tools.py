"""File tools bound to one workspace directory: a path that leaves it is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MAX_READ_BYTES = 64_000


@dataclass(frozen=True)
class Workspace:
    root: Path

    def resolve(self, relative: str) -> Path:
        """`relative` inside the workspace; ValueError when it points outside."""
        root = self.root.resolve()
        target = (root / relative).resolve()
        if target != root and root not in target.parents:
            raise ValueError(f"{relative!r} is outside the workspace")
        return target

    def read_file(self, path: str) -> str:
        """Read a text file from the workspace."""
        try:
            target = self.resolve(path)
        except ValueError as exc:
            return f"error: {exc}"
        if not target.is_file():
            return f"error: no such file: {path}"
        return target.read_bytes()[:MAX_READ_BYTES].decode("utf-8", "replace")

    def write_file(self, path: str, content: str) -> str:
        """Write text to a file in the workspace, replacing it."""
        try:
            target = self.resolve(path)
        except ValueError as exc:
            return f"error: {exc}"
        if target.is_dir():
            return f"error: {path} is a directory"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        return f"wrote {len(content)} characters to {path}"

    def seed(self, files: Mapping[str, str]) -> None:
        """Fill the workspace with `files` (relative path -> text)."""
        for name, text in files.items():
            target = self.resolve(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
