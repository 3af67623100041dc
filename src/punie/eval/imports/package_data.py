"""Find a data file inside an installed (optional) package, or say which extra brings it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from punie.errors import UsageError

EXTRA_HINT = "install the optional extra: `uv sync --extra benchmarks` (or `pip install 'punie[benchmarks]'`)"


def package_file(package: str, relative: str, distribution: str) -> Path:
    """`relative` inside `package`, located without importing it (its own imports may be heavy)."""
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise UsageError(f"the {distribution} package is not installed: {EXTRA_HINT}") from None
    path = Path(str(root.joinpath(relative)))
    if not path.is_file():
        raise UsageError(f"{path}: not found in the installed {distribution} package")
    return path
