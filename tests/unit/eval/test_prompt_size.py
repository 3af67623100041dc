"""Prompts longer than the model's context are refused before any is sent (issue 31)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.prompt_size import check_prompt_sizes, model_context, oversized
from punie.eval.suite_prompt import prompt_from_dict


def _prompt(pid: str, text: str):  # type: ignore[no-untyped-def]
    return prompt_from_dict({"id": pid, "category": "reasoning", "prompt_text": text, "expected_answer": "1"})


def test_only_a_prompt_that_might_not_fit_is_counted_and_a_long_one_is_named() -> None:
    counted: list[int] = []

    def count(text: str) -> int:
        counted.append(len(text))
        return len(text) // 4

    small, big = _prompt("small", "What is 1 + 0?"), _prompt("big", "x " * 50_000)
    (found,) = oversized([small, big], 1000, count)
    assert found[0] == "big" and found[1] > 1000
    assert all(n > 1000 for n in counted)  # the small prompt fits by its bytes: never tokenized
    assert oversized([big], 10**6, count) == []


def test_the_refusal_names_the_prompt_its_tokens_and_the_context(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 512}))
    assert model_context(tmp_path) == 512 and model_context(tmp_path / "none") is None
    check_prompt_sizes([_prompt("fine", "hello " * 40)], tmp_path, 128)
    with pytest.raises(UsageError) as caught:
        check_prompt_sizes([_prompt("fine", "hi"), _prompt("huge", "word " * 5000)], tmp_path, 128)
    message = str(caught.value)
    assert "huge (5,0" in message and "context of 512 tokens" in message and "--max-tokens 128" in message
    assert "fine" not in message
