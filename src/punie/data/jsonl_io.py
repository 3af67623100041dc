"""Read and write dataset directories (`train.jsonl`, `valid.jsonl`, `test.jsonl`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from punie.data.validate import SPLITS
from punie.errors import UsageError
from punie.runtime.atomic import replacing


def read_split(path: Path) -> list[dict[str, Any]]:
    """All examples of one split; a bad line is a UsageError naming file and line."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                examples.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise UsageError(
                    f"{path}:{number}: invalid JSON ({exc.msg}); run `punie dataset validate`"
                ) from exc
    return examples


def read_dataset(directory: Path) -> dict[str, list[dict[str, Any]]]:
    if not directory.is_dir():
        raise UsageError(f"dataset directory not found: {directory}")
    splits = {s: read_split(directory / f"{s}.jsonl") for s in SPLITS if (directory / f"{s}.jsonl").is_file()}
    if not splits:
        raise UsageError(f"{directory}: no train.jsonl, valid.jsonl or test.jsonl")
    return splits


def write_dataset(directory: Path, splits: Mapping[str, Iterable[dict[str, Any]]]) -> None:
    """Write each split atomically into a *new* directory (never over an existing dataset)."""
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"{directory} already exists and is not empty: choose a new --output")
    directory.mkdir(parents=True, exist_ok=True)
    for split, examples in splits.items():
        with replacing(directory / f"{split}.jsonl") as tmp, open(tmp, "w", encoding="utf-8") as handle:
            for example in examples:
                handle.write(json.dumps(example, ensure_ascii=False) + "\n")


def dataset_hash(directory: Path) -> str:
    """sha256 over the split files' bytes (first 16 hex digits): what a run was trained on."""
    digest = hashlib.sha256()
    for split in SPLITS:
        path = directory / f"{split}.jsonl"
        if path.is_file():
            digest.update(split.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dataset_examples(directory: Path, splits: Iterable[str] = SPLITS) -> Iterator[tuple[str, int, Any]]:
    """(file, line, example) for every parseable line of the dataset's `splits` (a line that does
    not parse is skipped: `dataset validate` reports it)."""
    for split in splits:
        path = directory / f"{split}.jsonl"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    yield str(path), number, json.loads(line)
                except json.JSONDecodeError:
                    continue
