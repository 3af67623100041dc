"""Validate a dataset directory: every split, every line, and lengths in the model's tokenizer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from punie.data.findings import Finding
from punie.data.formats import as_chat, example_format, preference_chats
from punie.data.jsonl_io import dataset_examples
from punie.data.validate import SPLITS, check_lines

TokenCounter = Callable[[dict[str, Any]], int]


@dataclass(frozen=True)
class DatasetReport:
    directory: Path
    counts: dict[str, int] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    template_hash: str | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def chat_token_counter(model_dir: Path) -> tuple[TokenCounter, str]:
    """Count tokens of an example as training renders it; also return the template's hash."""
    from punie.runtime.chat_template import template_hash
    from punie.runtime.hf_tokenizer import load_tokenizer

    tokenizer = load_tokenizer(model_dir)

    def count(example: dict[str, Any]) -> int:
        if example_format(example) == "preference":  # the longer of its two conversations
            return max(count(chat) for chat in preference_chats(example))
        chat = as_chat(example)
        if chat is None:  # mlx-lm's text format: the text itself, no template
            return len(tokenizer.encode(example["text"]))
        ids: Any = tokenizer.apply_chat_template(chat["messages"], tools=chat.get("tools"), tokenize=True)
        if hasattr(ids, "input_ids") or isinstance(ids, dict):
            ids = ids["input_ids"]
        return len(ids)

    return count, template_hash(str(tokenizer.chat_template or ""))


def decoded_lines(raw_lines: Iterable[bytes], file: str) -> tuple[list[str], list[Finding]]:
    """Pure: each line decoded as UTF-8; a line that is not valid UTF-8 is an error naming its line
    and column (and is left out), not a silent replacement character that trains as garbage."""
    lines, found = [], []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            lines.append("")  # keeps the numbering of the lines after it
            found.append(
                Finding(
                    "error",
                    file,
                    number,
                    "",
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                    "save the file as UTF-8",
                )
            )
    return lines, found


def untrained_calls(example: Any) -> bool:
    """Pure: with mask_prompt mlx-lm trains only an example's last message; True when an earlier
    assistant message carries tool calls that training will therefore never teach."""
    messages = example.get("messages") if isinstance(example, dict) else None
    if not isinstance(messages, list) or len(messages) < 2:
        return False
    return any(
        isinstance(m, dict) and m.get("role") == "assistant" and m.get("tool_calls") for m in messages[:-1]
    )


def ends_in_call(example: Any) -> bool:
    messages = example.get("messages") if isinstance(example, dict) else None
    return bool(
        isinstance(messages, list)
        and messages
        and isinstance(messages[-1], dict)
        and messages[-1].get("tool_calls")
    )


def mask_prompt_warning(directory: Path) -> str | None:
    """One line when, with mask_prompt, the training split would never teach a tool call: calls
    sit only in earlier assistant turns and no example ends in one (None when calls are taught)."""
    path = directory / "train.jsonl"
    if not path.is_file():
        return None
    hidden, taught = [], 0
    for _, number, example in dataset_examples(directory, ("train",)):
        taught += ends_in_call(example)
        if untrained_calls(example):
            hidden.append(number)
    if not hidden or taught:
        return None
    shown = ", ".join(str(n) for n in hidden[:5]) + (", ..." if len(hidden) > 5 else "")
    return (
        f"{path}: {len(hidden)} example(s) (lines {shown}) call tools before their last message and none "
        "ends in a call; with --mask-prompt only the last message is trained, so no call is ever "
        "learned: add examples that end at the call (punie dataset generate does)"
    )


def validate_dataset(
    directory: Path,
    count_tokens: TokenCounter | None = None,
    max_seq_length: int | None = None,
    template_hash: str | None = None,
) -> DatasetReport:
    """Check `train.jsonl`, `valid.jsonl` (required) and `test.jsonl` (optional) in `directory`."""
    findings: list[Finding] = []
    counts: dict[str, int] = {}
    if not directory.is_dir():
        return DatasetReport(
            directory, findings=(Finding("error", str(directory), 0, "", "no such directory"),)
        )
    for split in SPLITS:
        path = directory / f"{split}.jsonl"
        if not path.is_file():
            if split != "test":
                findings.append(Finding("error", str(path), 0, "", f"missing: a dataset needs {split}.jsonl"))
            continue
        with open(path, "rb") as handle:
            lines, undecodable = decoded_lines(handle, str(path))
        examples, found = check_lines(lines, str(path))
        findings.extend(undecodable)
        findings.extend(found)
        counts[split] = len(examples)
        if not examples:
            findings.append(Finding("error", str(path), 0, "", "empty split: no examples"))
        bad_lines = {f.line for f in found if f.severity == "error"}
        if count_tokens and max_seq_length:
            for line, example in examples:
                if line in bad_lines:
                    continue
                length = count_tokens(example)
                if length > max_seq_length:
                    findings.append(
                        Finding(
                            "error",
                            str(path),
                            line,
                            "messages",
                            f"{length} tokens, longer than --max-seq-length {max_seq_length}: training would "
                            "silently truncate it (raise the limit or shorten the example)",
                        )
                    )
    return DatasetReport(directory, counts, tuple(findings), template_hash)
