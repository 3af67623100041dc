"""Decontamination: training examples that would let a model pass an eval prompt from memory.

An example overlaps a prompt when a user text of the example equals the prompt's after
normalisation (case, punctuation, spacing), or when both share a run of `NGRAM` words, the way
the GPT-3 and Llama reports decontaminate (they use 13-grams over documents; eval prompts here
are a sentence, so 8 words). Pure functions over parsed examples and prompts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.data.jsonl_io import dataset_examples
from punie.eval.suite import EvalPrompt

NGRAM = 8
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Overlap:
    file: str
    line: int
    prompt_id: str
    how: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: overlaps eval prompt {self.prompt_id} ({self.how})"


def words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower()))


def ngrams(tokens: tuple[str, ...], n: int) -> list[tuple[str, ...]]:
    """Every run of `n` words, in text order (the first shared one is the one reported)."""
    return [tokens[i : i + n] for i in range(len(tokens) - n + 1)]


def user_texts(example: Any) -> list[str]:
    """What a person says in a training example: user turns of a chat or of a preference pair's
    prompt, a completions prompt, or plain text."""
    if not isinstance(example, dict):
        return []
    for key in ("messages", "prompt"):  # a chat; a preference pair's prompt messages
        if isinstance(example.get(key), list):
            return [
                m["content"]
                for m in example[key]
                if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
            ]
    return [example[key] for key in ("prompt", "text") if isinstance(example.get(key), str)]


def prompt_texts(prompt: EvalPrompt) -> list[str]:
    texts = [str(m.get("content")) for m in prompt.messages if m.get("role") == "user" and m.get("content")]
    return texts or [prompt.prompt_text]


def find_overlaps(
    examples: Iterable[tuple[str, int, Any]], prompts: Iterable[EvalPrompt], n: int = NGRAM
) -> list[Overlap]:
    """Pure: each (file, line, example) whose user text equals a prompt's or shares `n` words."""
    exact: dict[tuple[str, ...], str] = {}
    grams: dict[tuple[str, ...], str] = {}
    for prompt in prompts:
        for text in prompt_texts(prompt):
            tokens = words(text)
            exact.setdefault(tokens, prompt.id)
            for gram in ngrams(tokens, n):
                grams.setdefault(gram, prompt.id)
    found = []
    for file, line, example in examples:
        for text in user_texts(example):
            tokens = words(text)
            if tokens and tokens in exact:
                found.append(Overlap(file, line, exact[tokens], "the same text"))
                break
            shared = next((g for g in ngrams(tokens, n) if g in grams), None)
            if shared is not None:
                found.append(Overlap(file, line, grams[shared], f"shares {n} words: '{' '.join(shared)}'"))
                break
    return found


def dataset_overlaps(directory: Path, prompts: Iterable[EvalPrompt], n: int = NGRAM) -> list[Overlap]:
    return find_overlaps(dataset_examples(directory), prompts, n)
