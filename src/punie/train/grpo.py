"""GRPO's policy-gradient step (Shao et al. 2024, "DeepSeekMath"), with punie's scorer as the
reward: the pure loss and batching. Not a `punie train --method` yet: on these machines one step
costs K fresh samples of every prompt from the current adapter, then one update
(benchmarks/grpo_step.py measures both; docs/recipes.md has the figures).

One step on freshly sampled answers is on-policy: the importance ratio is 1 and PPO's clip is
inactive, so the clipped surrogate's gradient is the plain policy gradient

    loss = -mean over answers of (advantage * log pi(answer) / answer tokens)

with each answer's advantage from `punie.data.samples.group_rows` (its reward minus its prompt's
mean). The KL penalty to a reference is left out (beta = 0), as DAPO and Dr. GRPO do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import mlx.core as mx

from punie.train.dpo import answer_logps, pad, tokenize_answers

Row = tuple[list[int], int, float]  # prompt+answer tokens, where the answer starts, its advantage


def grpo_loss(
    model: Any, tokens: mx.array, lengths: mx.array, advantages: mx.array
) -> tuple[mx.array, mx.array]:
    """mlx-lm's loss signature: (model, *batch) -> (mean loss, tokens counted)."""
    logps, counts = answer_logps(model, tokens, lengths)
    per_token = logps / mx.maximum(counts, 1)
    return -(advantages * per_token).mean(), counts.sum()


def tokenize_rows(tokenizer: Any, rows: Sequence[dict[str, Any]]) -> list[Row]:
    """`group_rows`' rows as token ids with their advantages."""
    out = []
    for row in rows:
        start, (ids,) = tokenize_answers(tokenizer, row, "answer")
        out.append((ids, start, float(row["advantage"])))
    return out


def row_batches(rows: Sequence[Row], batch_size: int, max_seq_length: int) -> Iterator[tuple[mx.array, ...]]:
    """The rows in order, `batch_size` at a time, as (tokens, lengths, advantages)."""
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        tokens, lengths = pad([(ids, offset) for ids, offset, _ in chunk], max_seq_length)
        yield mx.array(tokens), mx.array(lengths), mx.array([a for _, _, a in chunk], dtype=mx.float32)
