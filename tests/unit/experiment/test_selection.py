"""Issue 27: a grid's settings are chosen on selection prompts and reported on held-out ones."""

from __future__ import annotations

import pytest

from punie.errors import UsageError
from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.eval.suite_load import load_suite
from punie.eval.suite_split import held_out_suite, split_ids
from punie.experiment.selection import choice_entry, choose, only, split_prompts


def _report(passed: dict[str, bool], adapter: str | None = "a") -> EvalReport:
    results = tuple(
        EvalResult(key, key.split("-")[0], ok, float(ok), None, "", "none", (), None, "", 0.0)
        for key, ok in passed.items()
    )
    return EvalReport("m", adapter, "s", "h", results, len(results), "", 0.0)


IDS = [f"{category}-{i}" for category in ("tool_calling", "reasoning") for i in range(10)]


def test_the_split_is_by_id_per_category_disjoint_and_stable() -> None:
    base = _report(dict.fromkeys(IDS, False), None)
    split = split_prompts(base, 0.5)
    assert split.selection.isdisjoint(split.held_out) and split.selection | split.held_out == set(IDS)
    assert sum(i.startswith("reasoning") for i in split.selection) == 5  # half of each category
    assert (
        split_prompts(_report(dict.fromkeys(reversed(IDS), True)), 0.5) == split
    )  # order, scores: no matter
    with pytest.raises(UsageError, match="--select-share must be between 0 and 1"):
        split_prompts(base, 1.0)


def test_the_chosen_cell_is_judged_only_on_prompts_that_did_not_choose_it() -> None:
    base = _report(dict.fromkeys(IDS, False), None)
    split = split_prompts(base, 0.5)
    # cell A passes every selection prompt and no held-out one; cell B passes half of the held-out
    lucky = _report({i: i in split.selection for i in IDS})
    steady = _report({i: i in split.held_out and int(i.split("-")[1]) % 2 == 0 for i in IDS})
    choice = choose(base, [({"lr": 1}, [lucky]), ({"lr": 2}, [steady])], 0.5)
    assert choice.index == 0 and choice.selection_score == 1.0
    assert choice.decision.outcome == "unchanged" and choice.decision.claim == "adapter"
    assert only(lucky, split.held_out).overall_score == 0.0  # its selection score does not carry over
    entry = choice_entry("g", "g-lr1", choice)
    assert entry.kind == "selection" and "held-out prompts only" in entry.decision
    assert entry.repro["selection_prompts"] == ",".join(sorted(split.selection))


def test_a_recipe_cell_is_judged_over_its_seeds_on_the_held_out_prompts() -> None:
    base = _report(dict.fromkeys(IDS, True), None)
    split = split_prompts(base, 0.5)
    losing = [
        _report({i: i in split.selection or (j > 0 and i.endswith(str(j))) for i in IDS}) for j in range(3)
    ]
    choice = choose(base, [({"lr": 1}, losing)], 0.5)
    assert choice.decision.claim == "recipe over 3 seeds" and choice.decision.outcome == "regressed"


def test_an_experiment_whose_settings_were_chosen_answers_only_the_held_out_prompts() -> None:
    suite = load_suite()
    held = held_out_suite(suite, 0.5)
    chosen_on = split_ids(((p.id, p.category) for p in suite.prompts), 0.5).selection
    assert {p.id for p in held.prompts} == {p.id for p in suite.prompts} - chosen_on
    assert chosen_on and not chosen_on & {p.id for p in held.prompts}
    for category, prompts in suite.by_category().items():  # about half of each category is left
        left = [p for p in held.prompts if p.category == category]
        assert abs(len(left) - len(prompts) / 2) <= 0.5
