"""The kinds of prompt, each declared once in its own module: how its prompts are asked (one
completion, or the agent's tool loop over a workspace), what its suite records must hold, how its
answers are scored, and its label, place and journal column.

`KINDS` is the registry, gathered from this package's modules: suites, the runner, reports and the
journal read a kind from it and never branch on a kind's name. Adding a kind is one module here
that declares a `Kind` at its top level (plus its test); nothing else names it.
"""

from __future__ import annotations

import importlib
import pkgutil

from punie.eval.kinds.base import Fields, Interaction, Kind, Verdict


def _gather() -> dict[str, Kind]:
    """Every `Kind` declared at the top level of this package's modules, in `position` order."""
    found: list[Kind] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            names = vars(importlib.import_module(f"{__name__}.{module.name}"))
            found.extend(value for value in names.values() if isinstance(value, Kind))
    kinds = sorted(found, key=lambda kind: (kind.position, kind.name))
    return {kind.name: kind for kind in kinds}


KINDS: dict[str, Kind] = _gather()

__all__ = ["KINDS", "Fields", "Interaction", "Kind", "Verdict"]
