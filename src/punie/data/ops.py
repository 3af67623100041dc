"""Pure dataset operations: split, merge, stats. None modifies its input."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

Example = dict[str, Any]


def split_examples(
    examples: Sequence[Example], valid: float, test: float, seed: int
) -> dict[str, list[Example]]:
    """Shuffle with `seed` and cut into train/valid/test by fraction (valid/test at least 1 when >0)."""
    if not (0 <= valid < 1 and 0 <= test < 1 and valid + test < 1):
        raise ValueError("--valid and --test are fractions that must add up to less than 1")
    items = list(examples)
    random.Random(seed).shuffle(items)
    n_valid = max(1, round(len(items) * valid)) if valid else 0
    n_test = max(1, round(len(items) * test)) if test else 0
    if n_valid + n_test >= len(items):
        raise ValueError(f"{len(items)} examples are too few to split off {n_valid} valid and {n_test} test")
    out = {
        "valid": items[:n_valid],
        "test": items[n_valid : n_valid + n_test],
        "train": items[n_valid + n_test :],
    }
    return {name: rows for name, rows in out.items() if rows or name == "train"}


def parse_ratio(text: str) -> tuple[float, float]:
    """'2:1' or '0.7' (share of A) -> weights for A and B."""
    try:
        if ":" in text:
            a, b = (float(x) for x in text.split(":", 1))
        else:
            a = float(text)
            b = 1 - a
    except ValueError as exc:
        raise ValueError(f"--ratio {text!r}: use A:B (e.g. 2:1) or A's share (e.g. 0.7)") from exc
    if a < 0 or b < 0 or a + b == 0:
        raise ValueError(f"--ratio {text!r}: weights must be >= 0 and not both 0")
    return a, b


def merge_examples(
    a: Sequence[Example], b: Sequence[Example], ratio: tuple[float, float], seed: int
) -> list[Example]:
    """As many examples as keep the A:B proportion, shuffled with `seed`."""
    wa, wb = ratio
    limits = [len(a) / wa if wa else float("inf"), len(b) / wb if wb else float("inf")]
    unit = min(limits)
    rng = random.Random(seed)
    take_a = rng.sample(list(a), min(len(a), round(unit * wa))) if wa else []
    take_b = rng.sample(list(b), min(len(b), round(unit * wb))) if wb else []
    merged = take_a + take_b
    rng.shuffle(merged)
    return merged


def tool_calls_of(example: Example) -> list[str]:
    names = []
    for message in example.get("messages", []):
        for call in message.get("tool_calls") or []:
            function = call.get("function", call) if isinstance(call, dict) else {}
            names.append(str(function.get("name", "?")))
    return names


def percentiles(values: Sequence[int]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])

    return {
        "min": float(ordered[0]),
        "p50": pick(0.5),
        "p90": pick(0.9),
        "p99": pick(0.99),
        "max": float(ordered[-1]),
    }


def split_stats(
    examples: Sequence[Example], count_tokens: Callable[[Example], int] | None = None
) -> dict[str, Any]:
    messages = [len(e.get("messages", [])) for e in examples]
    stats: dict[str, Any] = {
        "examples": len(examples),
        "messages_per_example": statistics.mean(messages) if messages else 0.0,
        "tool_calls_by_tool": dict(
            Counter(name for e in examples for name in tool_calls_of(e)).most_common()
        ),
        "no_tool_examples": sum(1 for e in examples if not tool_calls_of(e)),
    }
    categories = Counter(str(e["category"]) for e in examples if "category" in e)
    if categories:
        stats["categories"] = dict(categories.most_common())
    if count_tokens:
        stats["tokens_per_example"] = percentiles([count_tokens(e) for e in examples])
    return stats
