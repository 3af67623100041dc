"""GRPO's on-policy loss: its value by hand, and the direction one step moves the policy."""

from __future__ import annotations

import math

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import pytest

from punie.train.grpo import grpo_loss, row_batches


class BiasModel(nn.Module):
    """Logits that are one learned vector, the same at every position."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.bias = mx.zeros((vocab,))

    def __call__(self, inputs: mx.array) -> mx.array:
        return mx.broadcast_to(self.bias, (*inputs.shape, self.bias.shape[0]))


def test_the_loss_is_minus_the_advantage_weighted_mean_log_prob_per_token() -> None:
    tokens = mx.array([[1, 2, 3, 3], [1, 2, 0, 0]])
    lengths = mx.array([[2, 4], [1, 2]])  # row 0: 2 answer tokens; row 1: 1
    loss, counted = grpo_loss(BiasModel(4), tokens, lengths, mx.array([0.5, -0.5]))
    # every token has log-prob -log 4, so per token both rows have -log 4: 0.5 and -0.5 cancel
    assert loss.item() == pytest.approx(0.0, abs=1e-6) and counted.item() == 3
    loss, _ = grpo_loss(BiasModel(4), tokens, lengths, mx.array([1.0, 0.0]))
    assert loss.item() == pytest.approx(math.log(4) / 2, rel=1e-6)


def test_a_step_raises_the_rewarded_answer_and_lowers_the_other() -> None:
    model = BiasModel(4)
    rows = [([0, 1, 1], 1, 0.5), ([0, 2, 2], 1, -0.5)]  # answers "1 1" (rewarded) and "2 2"
    tokens, lengths, advantages = next(row_batches(rows, batch_size=2, max_seq_length=16))
    step = nn.value_and_grad(model, grpo_loss)
    (_, _), grads = step(model, tokens, lengths, advantages)
    optim.SGD(learning_rate=1.0).update(model, grads)
    assert model.bias[1].item() > 0 > model.bias[2].item()


def test_rows_are_batched_in_order_with_their_advantages() -> None:
    rows = [([1, 2, 3], 1, 1.0), ([4, 5], 1, -1.0), ([6, 7, 8, 9], 2, 0.5)]
    batches = list(row_batches(rows, batch_size=2, max_seq_length=3))
    assert [b[0].shape for b in batches] == [(2, 3), (1, 3)]  # the 4-token row is cut to 3
    assert batches[0][1].tolist() == [[1, 3], [1, 2]] and batches[1][2].tolist() == [0.5]
