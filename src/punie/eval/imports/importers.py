"""The importers by name, and their output as YAML text a person can read and edit."""

from __future__ import annotations

from typing import Any

import yaml

from punie.errors import UsageError
from punie.eval.imports.bfcl import CATEGORIES, import_bfcl, refuse_offline
from punie.eval.imports.bfcl_multi_turn import CATEGORIES as MULTI_TURN
from punie.eval.imports.bfcl_multi_turn import import_multi_turn
from punie.eval.imports.humaneval import import_humaneval

BENCHMARKS = ("bfcl", "humaneval")


def import_suite(benchmark: str, category: str | None = None, limit: int | None = None) -> dict[str, Any]:
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    if benchmark == "bfcl":
        if not category:
            raise UsageError("bfcl needs a category, e.g. `punie suite import bfcl simple_python`")
        refuse_offline(category, MULTI_TURN)
        if category in MULTI_TURN:
            return import_multi_turn(category, limit)
        if category not in CATEGORIES:
            known = ", ".join((*CATEGORIES, *MULTI_TURN))
            raise UsageError(f"unknown BFCL category {category!r} (known: {known})")
        return import_bfcl(category, limit)
    if benchmark == "humaneval":
        if category:
            raise UsageError("humaneval has no categories")
        return import_humaneval(limit)
    raise UsageError(f"unknown benchmark {benchmark!r} (known: {', '.join(BENCHMARKS)})")


def suite_yaml(suite: dict[str, Any]) -> str:
    return yaml.safe_dump(suite, sort_keys=False, allow_unicode=True, width=100)


def imported_suite_text(spec: str) -> tuple[str, str]:
    """`bfcl:CATEGORY` or `humaneval` -> (suite name, YAML text), imported on the fly."""
    benchmark, _, category = spec.partition(":")
    suite = import_suite(benchmark, category or None)
    return str(suite["name"]), suite_yaml(suite)
