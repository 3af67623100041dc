"""The DPO loss, answer log-probs and pair batches, against values computed by hand."""

from __future__ import annotations

import math
from typing import Any

import mlx.core as mx
import pytest

from punie.train.dpo import PairDataset, answer_logps, dpo_losses, make_loss, pair_batches


def test_dpo_loss_matches_the_formula_by_hand() -> None:
    # margin = beta * ((-10 - -11) - (-12 - -11)) = 0.1 * (1 - -1) = 0.2; loss = log(1 + e^-0.2)
    losses, margins = dpo_losses(
        mx.array([-10.0, -5.0]),
        mx.array([-12.0, -5.0]),
        mx.array([-11.0, -3.0]),
        mx.array([-11.0, -3.0]),
        0.1,
    )
    assert margins.tolist() == pytest.approx([0.2, 0.0])
    assert losses.tolist() == pytest.approx([math.log(1 + math.exp(-0.2)), math.log(2.0)], rel=1e-6)


def test_the_loss_falls_as_the_chosen_answer_gains_on_the_rejected_one() -> None:
    worse, _ = dpo_losses(mx.array([-12.0]), mx.array([-10.0]), mx.array([-11.0]), mx.array([-11.0]), 0.5)
    better, _ = dpo_losses(mx.array([-10.0]), mx.array([-12.0]), mx.array([-11.0]), mx.array([-11.0]), 0.5)
    assert better.item() < math.log(2.0) < worse.item()


class UniformModel:
    """Logits equal for every token: each predicted token has log-probability -log(vocab)."""

    def __init__(self, vocab: int) -> None:
        self.vocab = vocab

    def __call__(self, inputs: mx.array) -> mx.array:
        return mx.zeros((*inputs.shape, self.vocab))


def test_answer_logps_count_only_the_answer_tokens() -> None:
    # row 0: 6 tokens, the answer from position 2 on (4 tokens); row 1: 4 tokens then padding,
    # the answer from position 3 (1 token): padding is never counted
    tokens = mx.array([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 0, 0]])
    lengths = mx.array([[2, 6], [3, 4]])
    logps, counts = answer_logps(UniformModel(8), tokens, lengths)
    assert counts.tolist() == [4, 1]
    assert logps.tolist() == pytest.approx([-4 * math.log(8), -math.log(8)], rel=1e-6)


def test_equal_answers_against_a_zero_reference_lose_log_2() -> None:
    tokens = mx.array([[1, 2, 3], [1, 2, 3]])
    loss, counted = make_loss(0.1)(UniformModel(4), tokens, mx.array([[1, 3], [1, 3]]), mx.zeros(2))
    assert loss.item() == pytest.approx(math.log(2.0), rel=1e-6)
    assert counted.item() == 4


def pairs(n: int) -> PairDataset:
    rows: list[Any] = []
    for i in range(n):
        prompt = [9] * (i + 1)
        rows.append(([*prompt, 1, 1], len(prompt), [*prompt, 2, 2, 2], len(prompt), -float(i), -10.0 - i))
    return PairDataset(rows)


def test_batches_put_chosen_first_and_rejected_second_in_the_same_order() -> None:
    batches = list(pair_batches(pairs(4), batch_size=2, max_seq_length=64, seed=0))
    assert len(batches) == 2
    for tokens, lengths, refs in batches:
        assert tokens.shape[0] == 4
        chosen_refs, rejected_refs = refs.tolist()[:2], refs.tolist()[2:]
        assert [r - 10.0 for r in chosen_refs] == pytest.approx(rejected_refs)  # pair i: -i and -10-i
        for row in range(2):
            offset, length = lengths.tolist()[row]
            assert tokens.tolist()[row][offset:length] == [1, 1]
            offset, length = lengths.tolist()[row + 2]
            assert tokens.tolist()[row + 2][offset:length] == [2, 2, 2]


def test_batches_cut_sequences_at_the_limit() -> None:
    tokens, lengths, _ = next(pair_batches(pairs(1), batch_size=1, max_seq_length=3))
    assert tokens.shape[1] == 3 and max(end for _, end in lengths.tolist()) == 3


def test_too_few_pairs_for_a_batch_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least batch_size=4"):
        next(pair_batches(pairs(2), batch_size=4, max_seq_length=64))
