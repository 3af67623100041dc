"""punie's `multi_turn` kind agrees with BFCL's own multi-turn checker (imported from bfcl-eval)
on BFCL's four offline multi-turn categories: each sampled entry's ground truth (in one step per
turn, and one step per call), answers altered from it (a call dropped, a wrong argument, calls
reordered, repeated or added, a turn left empty, calls made a turn late or early) and the checked-in
answers of real models run by punie. `benchmarks/bfcl_multi_turn_agreement.py` compares every
entry; its figures are in benchmarks/README.md.
"""

from __future__ import annotations

import pytest

pytest.importorskip("bfcl_eval", reason="bfcl-eval is in the dev group and the `bfcl` extra")

from tests.agreement.bfcl_multi_turn_cases import CATEGORIES, compare_category, model_outputs, plain_call

SAMPLE = 8  # entries per category: each answer costs a sandboxed run (about 0.1 s)


@pytest.mark.parametrize("category", CATEGORIES)
def test_multi_turn_agreement_with_bfcl_is_at_least_98_percent(category: str) -> None:
    verdicts = list(compare_category(category, SAMPLE))
    differ = [v for v in verdicts if v.bfcl != v.punie]
    assert len({v.entry for v in verdicts}) == SAMPLE and len(verdicts) >= 10 * SAMPLE
    assert any(not v.bfcl for v in verdicts) and any(v.bfcl for v in verdicts)  # both verdicts occur
    assert all(v.bfcl and v.punie for v in verdicts if v.variant.startswith("truth"))
    rate = 1 - len(differ) / len(verdicts)
    shown = "\n".join(
        f"{v.entry} [{v.variant}] BFCL={v.bfcl} punie={v.punie}: {v.reason}" for v in differ[:10]
    )
    assert rate >= 0.98, f"{category}: {rate:.1%} of {len(verdicts)}\n{shown}"


def test_the_checked_in_model_answers_are_plain_calls_and_cover_every_category() -> None:
    answers = model_outputs()
    assert {entry.rsplit("_", 1)[0] for entry in answers} == set(CATEGORIES)
    calls = [
        c for runs in answers.values() for a in runs.values() for turn in a for step in turn for c in step
    ]
    assert all(plain_call(c) for c in calls)  # today's small models made no call on these entries


def test_plain_call_refuses_what_eval_must_not_see() -> None:
    assert plain_call("cd(folder='x')") and plain_call("sort('a.txt')") and plain_call("ls()")
    for hostile in (
        "__import__('os').system('id')",
        "cd(folder=open('/etc/passwd').read())",
        "x.y()",
        "cd(**k)",
    ):
        assert not plain_call(hostile)
