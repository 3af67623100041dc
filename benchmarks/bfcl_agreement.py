"""punie's tool scorer vs BFCL's own AST checker, on every question of each imported category.

    uv run python benchmarks/bfcl_agreement.py [--limit N] [--show 5]

Each BFCL question is scored both ways on its ground truth and on systematically altered answers
(tests/agreement/bfcl_cases.py lists them: wrong name, missing / unexpected argument, types
swapped, strings re-cased or punctuated, extra or dropped or reordered calls, list and dict
changes, ...). Prints the agreement per category and a few disagreements of each.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.agreement.bfcl_cases import compare_category

from punie.eval.imports.bfcl import CATEGORIES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="questions per category (default: all)")
    parser.add_argument("--show", type=int, default=3, help="disagreements to print per category")
    parser.add_argument("--categories", nargs="*", default=list(CATEGORIES))
    args = parser.parse_args()
    print(
        f"{'category':<22} {'questions':>9} {'pairs':>7} {'BFCL ok':>7} {'agree':>7} {'rate':>8}  "
        "disagreements (punie vs BFCL)"
    )
    for category in args.categories:
        verdicts = list(compare_category(category, args.limit))
        questions = len({v.question for v in verdicts})
        differ = [v for v in verdicts if v.bfcl != v.punie]
        kinds = Counter(
            f"{v.variant.split(': ')[-1]} ({'punie' if v.punie else 'BFCL'} passes)" for v in differ
        )
        rate = 1 - len(differ) / len(verdicts) if verdicts else 0.0
        top = ", ".join(f"{k} x{n}" for k, n in kinds.most_common(4))
        print(
            f"{category:<22} {questions:>9} {len(verdicts):>7} {sum(v.bfcl for v in verdicts):>7} "
            f"{len(verdicts) - len(differ):>7} {rate:8.2%}  {top}"
        )
        for v in differ[: args.show]:
            print(f"    {v.question} [{v.variant}] BFCL={v.bfcl} punie={v.punie}: {v.reason}")


if __name__ == "__main__":
    main()
