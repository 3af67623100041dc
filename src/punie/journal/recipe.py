"""A recipe's decision and journal entry: its adapters over several seeds against one base, per
category with `punie.eval.recipe_stats`' interval (seeds and prompts both counted). Pure."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from punie.eval.categories import label
from punie.eval.recipe_stats import RecipeEffect, recipe_effect
from punie.eval.report import EvalReport
from punie.journal.compare import Decision, outcome_of
from punie.journal.ledger import Entry, Row


def recipe_claim(seeds: int) -> str:
    return f"recipe over {seeds} seeds"


def recipe_effects(base: EvalReport, adapters: Sequence[EvalReport]) -> list[RecipeEffect]:
    """Each category's effect, over the prompts the base and every adapter scored."""
    return [
        recipe_effect(category, base.passes(category), [adapter.passes(category) for adapter in adapters])
        for category in base.score_by_category()
        if all(category in adapter.score_by_category() for adapter in adapters)
    ]


def decide_recipe(effects: Sequence[RecipeEffect], labels: dict[str, str] | None = None) -> Decision:
    """Pure: improved / regressed / mixed / unchanged, counting a category up or down only when
    its interval excludes 0 (a loss on every seed is a regression, whatever each run's own test
    said); the detail names every category with its interval and per-seed changes."""
    ups = [e for e in effects if e.improved]
    downs = [e for e in effects if e.regressed]
    outcome = outcome_of(bool(ups), bool(downs))
    seeds = effects[0].seeds if effects else 0
    parts = [f"{label(e.category, labels or {})} {e.text()}" for e in (*ups, *downs)]
    rest = [e for e in effects if e not in ups and e not in downs]
    if rest:
        parts.append(
            "no clear change in " + "; ".join(f"{label(e.category, labels or {})} {e.text()}" for e in rest)
        )
    return Decision(outcome, "; ".join(parts) or "no category scored", recipe_claim(seeds))


def recipe_row(
    step: str, dataset: str | None, where: str, adapters: Sequence[EvalReport], decision: Decision
) -> Row:
    """The journal's row: each score the mean over the seeds' adapters; `where` the recipe's runs."""
    scores: dict[str, float | None] = {
        "overall": statistics.fmean(a.overall_score for a in adapters),
        **mean_scores(adapters),
    }
    return Row(
        step=step,
        dataset=dataset,
        adapter=where,  # one adapter a seed: each seed's own row links its own
        scores=scores,
        notes=f"mean of {len(adapters)} adapters; {decision.text()}",
        labels=adapters[0].labels,
    )


def mean_scores(adapters: Sequence[EvalReport]) -> dict[str, float]:
    """Pure: each category's score, the mean over the seeds' adapters (the first one's categories)."""
    return {
        c: statistics.fmean(a.score_by_category().get(c, 0.0) for a in adapters)
        for c in adapters[0].score_by_category()
    }


def recipe_entry(
    step: str, dataset: str, where: str, seeds: Sequence[int], base: EvalReport,
    adapters: Sequence[EvalReport], effects: Sequence[RecipeEffect], decision: Decision, settings: str,
) -> Entry:  # fmt: skip
    """The journal entry of a recipe run over `seeds` (one experiment each, recorded on its own)."""
    base_scores = base.score_by_category()
    lines = [
        f"{label(e.category, base.labels)}: base {100 * base_scores[e.category]:.1f}%, change {e.text()}"
        for e in effects
    ]
    return Entry(
        kind="recipe",
        step=step,
        title=f"Recipe: {step} ({len(seeds)} seeds)",
        goal=f"Does training with these settings on {dataset} help, whatever the seed, and at what cost?",
        did=(
            f"trained and evaluated one adapter per seed ({', '.join(map(str, seeds))}) with {settings}",
            f"compared each with the base on the same {base.prompt_count} prompts of suite {base.suite_name}",
        ),
        results=tuple(lines),
        decision=decision.text(),
        next_steps=("Each seed's own entry has its comparison page.",),
        row=recipe_row(step, dataset, where, adapters, decision),
        repro={"seeds": ",".join(map(str, seeds)), "suite_hash": base.suite_hash},
    )
