"""Direct Preference Optimization on mlx-lm's own trainer: runs inside the training child.

mlx-lm's `train()` takes a `loss` and an `iterate_batches`; this module supplies both for
preference pairs (Rafailov et al. 2023, "Direct Preference Optimization"):

    loss = -log sigmoid(beta * ((log pi(chosen) - log ref(chosen)) - (log pi(rejected) - log ref(rejected))))

where log pi is the summed log-probability of an answer's tokens given its prompt under the model
being trained (base + LoRA) and log ref the same under the reference. The reference is the same
weights with the adapter off: its log-probs are computed once, before the LoRA layers exist, so no
second model is held in memory (`reference=none` sets them to 0, the reference-free variant).
mlx-lm-lora has DPO too, but as a second trainer beside mlx-lm's; this keeps one trainer, one
callback, one checkpoint format, and needs nothing but mlx-lm.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np

Pair = tuple[list[int], int, list[int], int, float, float]  # chosen, its offset, rejected, offset, refs


def dpo_losses(
    policy_chosen: mx.array,
    policy_rejected: mx.array,
    ref_chosen: mx.array,
    ref_rejected: mx.array,
    beta: float,
) -> tuple[mx.array, mx.array]:
    """Pure: each pair's DPO loss and its reward margin (the implicit reward of chosen minus that
    of rejected, beta times the log-ratio difference), from summed answer log-probs."""
    margins = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))
    return -nn.log_sigmoid(margins), margins


def answer_logps(model: Any, tokens: mx.array, lengths: mx.array) -> tuple[mx.array, mx.array]:
    """Each row's summed log-probability of its answer tokens, positions [offset, length) as
    `lengths` holds them ([offset, length] per row), and how many tokens that is."""
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    logps = -nn.losses.cross_entropy(model(inputs).astype(mx.float32), targets)
    positions = mx.arange(1, targets.shape[1] + 1)  # the position in `tokens` each target has
    mask = mx.logical_and(positions >= lengths[:, 0:1], positions < lengths[:, 1:])
    return (logps * mask).sum(axis=1), mask.sum(axis=1)


def make_loss(beta: float) -> Callable[..., tuple[mx.array, mx.array]]:
    """mlx-lm's loss signature: (model, *batch) -> (mean loss, tokens counted). A batch holds the
    chosen answers in its first half and the rejected ones, in the same order, in the second."""

    def loss(model: Any, tokens: mx.array, lengths: mx.array, refs: mx.array) -> tuple[mx.array, mx.array]:
        logps, counts = answer_logps(model, tokens, lengths)
        half = tokens.shape[0] // 2
        losses, _ = dpo_losses(logps[:half], logps[half:], refs[:half], refs[half:], beta)
        return losses.mean(), counts.sum()

    return loss


class PairDataset:
    """Tokenized pairs with their reference log-probs, in the interface mlx-lm's CacheDataset
    wraps (`process` of an item, which here is already processed)."""

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self._pairs = list(pairs)

    def process(self, item: Pair) -> Pair:
        return item

    def __getitem__(self, index: int) -> Pair:
        return self._pairs[index]

    def __len__(self) -> int:
        return len(self._pairs)


def pad(rows: Sequence[tuple[list[int], int]], max_seq_length: int) -> tuple[np.ndarray, list[list[int]]]:
    width = min(max(len(tokens) for tokens, _ in rows), max_seq_length)
    array = np.zeros((len(rows), width), np.int32)
    lengths = []
    for index, (tokens, offset) in enumerate(rows):
        kept = tokens[:width]
        array[index, : len(kept)] = kept
        lengths.append([offset, len(kept)])
    return array, lengths


def pair_batches(
    dataset: Any,
    batch_size: int,
    max_seq_length: int,
    loop: bool = False,
    seed: int | None = None,
    comm_group: Any = None,
) -> Iterator[tuple[mx.array, mx.array, mx.array]]:
    """mlx-lm's `iterate_batches` for pairs: batches of similar length (sorted, then shuffled by
    batch, as mlx-lm does), each as (tokens, lengths, reference log-probs) of 2 x batch_size rows."""
    step = comm_group.size() if comm_group is not None else 1
    offset = comm_group.rank() if comm_group is not None else 0
    if len(dataset) < batch_size:
        raise ValueError(
            f"Dataset must have at least batch_size={batch_size} pairs but only has {len(dataset)}."
        )
    order = sorted(range(len(dataset)), key=lambda i: max(len(dataset[i][0]), len(dataset[i][2])))
    batches = [
        order[i + offset : i + batch_size : step] for i in range(0, len(order) - batch_size + 1, batch_size)
    ]
    if seed is not None:
        np.random.seed(seed)
    while True:
        for index in np.random.permutation(len(batches)):
            pairs = [dataset[i] for i in batches[index]]
            rows = [(p[0], p[1]) for p in pairs] + [(p[2], p[3]) for p in pairs]
            tokens, lengths = pad(rows, max_seq_length)
            refs = [p[4] for p in pairs] + [p[5] for p in pairs]
            yield mx.array(tokens), mx.array(lengths), mx.array(refs, dtype=mx.float32)
        if not loop:
            break


def tokenize_answers(tokenizer: Any, row: dict[str, Any], *answers: str) -> tuple[int, list[list[int]]]:
    """Where an answer starts (after the prompt and the assistant's generation prompt), and each
    of `row[answer]` after `row["prompt"]`, as the chat template renders them with the row's tools."""
    tools = row.get("tools") or None
    prompt = list(row["prompt"])

    def ids(messages: list[dict[str, Any]], generation: bool = False) -> list[int]:
        out: Any = tokenizer.apply_chat_template(
            messages, tools=tools, add_generation_prompt=generation, return_dict=False
        )
        return list(out)

    return len(ids(prompt, generation=True)), [ids(prompt + list(row[answer])) for answer in answers]


def tokenize_pair(tokenizer: Any, row: dict[str, Any]) -> tuple[list[int], int, list[int], int]:
    """A pair as the chat template renders it: each of prompt+chosen and prompt+rejected, and
    where its answer starts."""
    start, (chosen, rejected) = tokenize_answers(tokenizer, row, "chosen", "rejected")
    return chosen, start, rejected, start


def reference_logps(
    model: Any, pairs: Sequence[tuple[list[int], int, list[int], int]], max_seq_length: int
) -> list[tuple[float, float]]:
    """The reference's summed answer log-probs of each pair, one pair at a time (the model as it
    is now: the base weights, before the LoRA layers are added)."""
    out = []
    for chosen, c_start, rejected, r_start in pairs:
        tokens, lengths = pad([(chosen, c_start), (rejected, r_start)], max_seq_length)
        logps, _ = answer_logps(model, mx.array(tokens), mx.array(lengths))
        mx.eval(logps)
        values: Any = logps.tolist()
        out.append((float(values[0]), float(values[1])))
    return out


def load_pairs(
    data_dir: Path, tokenizer: Any, model: Any, reference: str, max_seq_length: int
) -> tuple[PairDataset, PairDataset]:
    """The train and valid splits of `data_dir` as pair datasets, their reference log-probs from
    `model` as it is (call before mlx-lm adds the trained LoRA layers: the base, or the base with
    the adapter training starts from), or 0 with `reference="none"`."""
    splits = []
    for split in ("train", "valid"):
        path = data_dir / f"{split}.jsonl"
        rows = (
            [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            if path.is_file()
            else []
        )
        tokenized = [tokenize_pair(tokenizer, row) for row in rows]
        refs = (
            reference_logps(model, tokenized, max_seq_length)
            if reference != "none"
            else [(0.0, 0.0)] * len(tokenized)
        )
        splits.append(PairDataset([(*pair, *ref) for pair, ref in zip(tokenized, refs, strict=True)]))
    return splits[0], splits[1]
