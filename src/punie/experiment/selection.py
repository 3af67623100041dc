"""Settings chosen on other prompts than those that score them: a grid picks its cell on a
*selection* share of the suite's prompts and reports the chosen cell on the disjoint *held-out*
rest. The split is deterministic by prompt id (within each category, ids ordered by their
SHA-256, the first share selects), so every cell, seed and rerun splits alike, and it is written
in the journal. Pure."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from punie.eval.report import EvalReport
from punie.eval.suite_split import Split, split_ids
from punie.journal.compare import Decision, compare_runs
from punie.journal.ledger import Entry
from punie.journal.recipe import decide_recipe, recipe_effects


def split_prompts(report: EvalReport, share: float) -> Split:
    """Pure: the selection / held-out split of `report`'s prompts."""
    return split_ids(((r.id, r.category) for r in report.results), share)


def only(report: EvalReport, ids: frozenset[str]) -> EvalReport:
    """Pure: `report` restricted to the prompts `ids` (for scores and paired tests on one side)."""
    kept = tuple(r for r in report.results if r.id in ids)
    return dataclasses.replace(report, results=kept, prompt_count=len(kept))


@dataclass(frozen=True)
class Choice:
    """The cell chosen on the selection prompts, and what the held-out prompts say of it."""

    index: int
    cell: dict[str, Any]
    selection_score: float  # the adapters' mean overall score on the selection prompts
    decision: Decision  # against the base, on the held-out prompts only
    split: Split


def choose(
    base: EvalReport, cells: Sequence[tuple[dict[str, Any], Sequence[EvalReport]]], share: float
) -> Choice:
    """Pure: the cell whose adapters (one, or one a seed) score best on the selection prompts, and
    its decision against the base on the held-out ones (a recipe's over its seeds)."""
    split = split_prompts(base, share)
    scores = [
        statistics.fmean(only(adapter, split.selection).overall_score for adapter in adapters)
        for _, adapters in cells
    ]
    index = max(range(len(cells)), key=lambda i: (scores[i], -i))
    cell, adapters = cells[index]
    held_base = only(base, split.held_out)
    held = [only(adapter, split.held_out) for adapter in adapters]
    if len(held) > 1:
        decision = decide_recipe(recipe_effects(held_base, held), dict(base.labels))
    else:
        decision = compare_runs(held_base, held[0])
    return Choice(index, cell, scores[index], decision, split)


def choice_entry(grid: str, name: str, choice: Choice) -> Entry:
    """The journal's entry for a grid's choice: the split, the chosen cell, the held-out decision."""
    settings = ", ".join(f"{k}={v}" for k, v in choice.cell.items())
    return Entry(
        kind="selection",
        step=f"{grid}: chosen",
        title=f"Grid choice: {grid} -> {name}",
        goal="Which settings, judged on prompts that did not choose them?",
        did=(choice.split.text(), f"chose {name} ({settings}): the best mean overall score on selection"),
        results=(
            f"Selection score: {100 * choice.selection_score:.1f}%",
            f"Held-out: {choice.decision.text()}",
        ),
        decision=f"{choice.decision.text()} (held-out prompts only)",
        repro={
            "select_share": f"{choice.split.share:g}",
            "selection_prompts": ",".join(sorted(choice.split.selection)),
        },
    )
