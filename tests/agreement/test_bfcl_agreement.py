"""punie's tool scorer agrees with BFCL's own checker (imported from bfcl-eval) on BFCL's data.

Every question of each category, with every altered answer: about 40,000 pairs, a few seconds.
`benchmarks/bfcl_agreement.py` prints the same comparison; its figures are in benchmarks/README.md.
"""

from __future__ import annotations

import pytest

pytest.importorskip("bfcl_eval", reason="bfcl-eval is in the dev group and the `benchmarks` extra")

from tests.agreement.bfcl_cases import compare_category

SAMPLE = None  # every question: the comparison is pure and fast


@pytest.mark.parametrize(
    "category", ["simple_python", "multiple", "parallel", "parallel_multiple", "live_simple", "irrelevance"]
)
def test_agreement_with_bfcl_is_at_least_98_percent(category: str) -> None:
    verdicts = list(compare_category(category, SAMPLE))
    differ = [v for v in verdicts if v.bfcl != v.punie]
    assert len(verdicts) >= 2 * len({v.question for v in verdicts})  # altered answers, not just the truth
    assert any(not v.bfcl for v in verdicts) and any(v.bfcl for v in verdicts)  # both verdicts occur
    rate = 1 - len(differ) / len(verdicts)
    shown = "\n".join(
        f"{v.question} [{v.variant}] BFCL={v.bfcl} punie={v.punie}: {v.reason}" for v in differ[:10]
    )
    assert rate >= 0.98, f"{category}: {rate:.1%} of {len(verdicts)}\n{shown}"


def test_the_ground_truth_passes_both() -> None:
    truths = [v for v in compare_category("simple_python", SAMPLE) if v.variant == "truth"]
    assert truths and all(v.bfcl and v.punie for v in truths)
