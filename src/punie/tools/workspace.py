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
            if not target.is_file():
                return f"error: no such file: {path}"
            with target.open("rb") as handle:
                return handle.read(MAX_READ_BYTES).decode("utf-8", "replace")
        except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a name too long, ...
            return f"error: cannot read {path!r}: {_why(exc)}"

    def write_file(self, path: str, content: str) -> str:
        """Write text to a file in the workspace, replacing it."""
        try:
            target = self.resolve(path)
            if target.is_dir():
                return f"error: {path} is a directory"
            data = content.encode("utf-8")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except UnicodeEncodeError:
            return f"error: the content for {path!r} is not valid text (a lone surrogate?); nothing written"
        except (OSError, RuntimeError, ValueError) as exc:
            return f"error: cannot write {path!r}: {_why(exc)}"
        return f"wrote {len(content)} characters to {path}"

    def seed(self, files: Mapping[str, str]) -> None:
        """Fill the workspace with `files` (relative path -> text)."""
        for name, text in files.items():
            target = self.resolve(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or exc.__class__.__name__
