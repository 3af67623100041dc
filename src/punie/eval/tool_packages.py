"""Tool classes that stay in an installed package (BFCL's multi-turn classes): where the package
is, found without importing it, and each class's module source, read from it.

A suite names the packages (`tool_packages:`) and maps each class to its module (`tool_classes:
{Class: package.module}`). Only a package directory under one of this Python's site-packages
directories is accepted (never the working directory): it is what the sandbox may read, at its
own path, when the classes run (`punie.sandbox` `read_paths`). Nothing here is imported.
"""

from __future__ import annotations

import os
import re
import site
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from punie.eval.tool_module import PackagedClass

DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def site_directories() -> tuple[Path, ...]:
    """This Python's site-packages directories (where installed packages are), and those on its
    import path (a PYTHONPATH naming a virtual environment's); never the working directory."""
    paths = sysconfig.get_paths()
    found = [paths.get("purelib"), paths.get("platlib"), *site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        found.append(site.getusersitepackages())
    found += [p for p in sys.path if os.path.isabs(p) and Path(p).name in ("site-packages", "dist-packages")]
    return tuple(dict.fromkeys(Path(p).resolve() for p in found if p))


def package_directory(name: str, roots: tuple[Path, ...] | None = None) -> str:
    """The real path of installed package `name` (dotted), or ValueError saying why not."""
    if not DOTTED.match(name):
        raise ValueError(f"{name!r} is not a dotted package name")
    for root in roots if roots is not None else site_directories():
        candidate = root.joinpath(*name.split("."))
        if (candidate / "__init__.py").is_file():
            real = candidate.resolve()
            if root not in real.parents:
                raise ValueError(f"{name}: {real} is outside {root}")
            return str(real)
    raise ValueError(f"{name}: no such installed package (the `bfcl` extra brings BFCL's)")


def packaged_classes(classes: Mapping[str, str], packages: Mapping[str, str]) -> tuple[PackagedClass, ...]:
    """Each class (-> its module's dotted name) with its module's source, read from the tool
    package (name -> directory) the module is in; ValueError names the class that has none."""
    found = []
    for cls, module in classes.items():
        if not DOTTED.match(module):
            raise ValueError(f"{cls}: {module!r} is not a dotted module name")
        home = max((p for p in packages if module.startswith(p + ".")), key=len, default=None)
        if home is None:
            raise ValueError(
                f"{cls}: its module {module} is in none of tool_packages ({', '.join(packages)})"
            )
        file = Path(packages[home]).joinpath(*module[len(home) + 1 :].split(".")).with_suffix(".py")
        if not file.is_file():
            raise ValueError(f"{cls}: no module file {file}")
        found.append(PackagedClass(cls, module, file.read_text(encoding="utf-8")))
    return tuple(found)
