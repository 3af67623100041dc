"""punie's `multi_turn` kind vs BFCL's own multi-turn checker, on every entry of the four offline
multi-turn categories.

    uv run python benchmarks/bfcl_multi_turn_agreement.py [--limit N] [--show 5]

Each entry is scored both ways on its ground truth and on answers altered from it
(tests/agreement/bfcl_multi_turn_cases.py lists them: a call dropped, a wrong argument, calls
reordered, repeated or added, a turn left empty, calls made a turn late or early) and on the
checked-in answers of models run by punie. Prints the agreement per category, the variants of
the disagreements, and a few of them. Each answer costs punie one sandboxed run (about 0.1 s).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.agreement.bfcl_multi_turn_cases import CATEGORIES, compare_category


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="entries per category (default: all)")
    parser.add_argument("--show", type=int, default=3, help="disagreements to print per category")
    parser.add_argument("--categories", nargs="*", default=list(CATEGORIES))
    args = parser.parse_args()
    print(
        f"{'category':<24} {'entries':>7} {'pairs':>6} {'model':>6} {'BFCL ok':>7} {'agree':>6} {'rate':>8} "
        f"{'seconds':>7}  disagreements"
    )
    for category in args.categories:
        started = time.monotonic()
        verdicts = list(compare_category(category, args.limit))
        differ = [v for v in verdicts if v.bfcl != v.punie]
        kinds = Counter(
            f"{v.variant.split(':')[-1]} ({'punie' if v.punie else 'BFCL'} passes)" for v in differ
        )
        rate = 1 - len(differ) / len(verdicts) if verdicts else 0.0
        real = sum(v.variant.startswith("model:") for v in verdicts)
        print(
            f"{category:<24} {len({v.entry for v in verdicts}):>7} {len(verdicts):>6} {real:>6} "
            f"{sum(v.bfcl for v in verdicts):>7} {len(verdicts) - len(differ):>6} {rate:8.2%} "
            f"{time.monotonic() - started:7.0f}  {', '.join(f'{k} x{n}' for k, n in kinds.most_common(4))}"
        )
        for v in differ[: args.show]:
            print(f"    {v.entry} [{v.variant}] BFCL={v.bfcl} punie={v.punie}: {v.reason}")


if __name__ == "__main__":
    main()
