"""The selection / held-out split of a suite's prompts (pure): deterministic by prompt id (within
each category, ids ordered by their SHA-256, the first share selects), so every cell, seed and
rerun splits alike. Settings are chosen on the selection share and reported on the held-out
rest (`punie.experiment.selection`); `punie dataset sample` draws only from the selection share.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from punie.errors import UsageError
from punie.eval.suite import EvalSuite


@dataclass(frozen=True)
class Split:
    share: float  # of each category's prompts that select
    selection: frozenset[str]
    held_out: frozenset[str]

    def text(self) -> str:
        return (
            f"settings chosen on {len(self.selection)} selection prompts ({self.share:g} of each category, "
            f"by prompt-id hash), reported on {len(self.held_out)} held-out prompts"
        )


def check_share(share: float) -> float:
    if not 0 < share < 1:
        raise UsageError(f"--select-share must be between 0 and 1 (exclusive), got {share}")
    return share


def split_ids(prompts: Iterable[tuple[str, str]], share: float) -> Split:
    """Pure: the selection / held-out split of (prompt id, category) pairs."""
    check_share(share)
    by_category: dict[str, list[str]] = defaultdict(list)
    for prompt_id, category in prompts:
        by_category[category].append(prompt_id)
    selection: set[str] = set()
    for ids in by_category.values():
        ordered = sorted(ids, key=lambda i: hashlib.sha256(i.encode()).hexdigest())
        count = min(len(ordered) - 1, max(1, round(share * len(ordered)))) if len(ordered) > 1 else 0
        selection.update(ordered[:count])
    every = {prompt_id for ids in by_category.values() for prompt_id in ids}
    return Split(share, frozenset(selection), frozenset(every - selection))


def held_out_suite(suite: EvalSuite, share: float) -> EvalSuite:
    """Pure: `suite` without the prompts a selection share of `share` chose settings on: what an
    experiment whose settings were so chosen reports on (the demo's)."""
    split = split_ids(((p.id, p.category) for p in suite.prompts), share)
    kept = tuple(p for p in suite.prompts if p.id in split.held_out)
    return dataclasses.replace(suite, prompts=kept)
