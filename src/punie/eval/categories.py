"""Categories, declared once: each names a *kind* (how its prompts are asked and scored) and a label
(its column in reports, the journal and the compare page).

The built-in categories are the kinds (declared in `punie.eval.kinds`). A suite may bring its own
categories (`categories: {bfcl_parallel: {kind: tool_calling, label: "BFCL parallel"}}`); they are
scored as their kind and show as their own columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from punie.eval.kinds import KINDS, Interaction, Kind

__all__ = ["BUILTIN_CATEGORIES", "KINDS", "Category", "Interaction", "Kind", "category_from_dict", "label"]


@dataclass(frozen=True)
class Category:
    name: str
    kind: str
    label: str


BUILTIN_CATEGORIES: dict[str, Category] = {
    name: Category(name, name, kind.label) for name, kind in KINDS.items()
}


def category_from_dict(name: str, raw: Any) -> Category:
    """A suite's own category: `{kind: K, label: L}` or just the kind. ValueError says what is wrong."""
    spec = {"kind": raw} if isinstance(raw, str) else raw
    if not isinstance(spec, Mapping):
        raise ValueError(
            f"category {name!r}: give its kind ({', '.join(KINDS)}) or {{kind: ..., label: ...}}"
        )
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"category {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
    unknown = set(spec) - {"kind", "label"}
    if unknown:
        raise ValueError(f"category {name!r}: unknown key(s) {sorted(unknown)}")
    if name in BUILTIN_CATEGORIES:
        raise ValueError(f"category {name!r} is built in")
    return Category(name, str(kind), str(spec.get("label") or name))


def label(name: str, labels: Mapping[str, str]) -> str:
    return labels.get(name) or (BUILTIN_CATEGORIES[name].label if name in BUILTIN_CATEGORIES else name)
