"""Decontamination: overlaps are found, named by file and line, and the generator has none."""

from __future__ import annotations

from pathlib import Path

from punie.data.contamination import dataset_overlaps, find_overlaps
from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.eval.suite import EvalPrompt
from punie.eval.suite_load import load_suite
from tests.helpers import run_punie

PROMPT = EvalPrompt("tool-read", "tool_calling", "Can you look at tests/test_app.py?")
LONG = EvalPrompt("r-apples", "reasoning", "Tom has 3 apples and buys 4 more. How many apples does he have?")


def chat(user: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": "ok"}]}


def test_same_text_after_normalisation_and_shared_ngrams_are_overlaps() -> None:
    examples = [
        ("train.jsonl", 1, chat("can you LOOK at   tests/test_app.py")),  # case, spacing, punctuation
        ("train.jsonl", 2, chat("Can you look at tests/test_utils.py?")),  # same template, other path
        ("train.jsonl", 3, {"prompt": "Q: Tom has 3 apples and buys 4 more. How many?", "completion": "7"}),
        ("train.jsonl", 4, {"text": "Sam has 3 pears and buys 4 more."}),
        (
            "train.jsonl",
            5,
            {
                "prompt": chat("Can you look at tests/test_app.py")["messages"][:1],
                "chosen": [],
                "rejected": [],
            },
        ),
    ]
    found = find_overlaps(examples, [PROMPT, LONG])
    assert [(o.line, o.prompt_id) for o in found] == [(1, "tool-read"), (3, "r-apples"), (5, "tool-read")]
    assert str(found[0]) == "train.jsonl:1: overlaps eval prompt tool-read (the same text)"
    assert "shares 8 words: 'tom has 3 apples and buys 4 more'" in found[1].how


def test_generated_training_data_never_overlaps_the_builtin_suite(tmp_path: Path) -> None:
    """Train and eval pools are disjoint: the built-in suite's tool prompts are never generated."""
    write_dataset(tmp_path / "d", {"train": generate_tool_calling(500, seed=1)})
    assert dataset_overlaps(tmp_path / "d", load_suite("builtin").prompts) == []
    assert dataset_overlaps(tmp_path / "d", load_suite("builtin").prompts, n=5) == []


def test_each_tool_request_teaches_its_call_and_what_follows_the_result() -> None:
    """Two examples per request, each ending in the message it teaches: with mask_prompt only the
    last assistant message is trained, so a trajectory alone would never teach the call."""
    rows = generate_tool_calling(40, seed=2)
    shapes = {tuple(m["role"] for m in r["messages"]) for r in rows if r["category"] != "no_tool"}
    assert shapes == {("user", "assistant"), ("user", "assistant", "tool", "assistant")}
    calls = [r for r in rows if len(r["messages"]) == 2 and r["category"] != "no_tool"]
    assert calls and all(r["messages"][-1]["tool_calls"] for r in calls)
    whole = [r for r in rows if len(r["messages"]) == 4]
    assert whole and all(
        r["messages"][-1]["content"] and "tool_calls" not in r["messages"][-1] for r in whole
    )


def test_lint_cli_lists_overlaps_and_exits_1(tmp_path: Path) -> None:
    write_dataset(tmp_path / "d", {"train": [chat("Show me the contents of README.md."), chat("hi there")]})
    done = run_punie("dataset", "lint", str(tmp_path / "d"), "--suite", "builtin")
    assert done.returncode == 1 and "train.jsonl:1: overlaps eval prompt" in done.stdout
    assert "1 training example(s) overlap suite builtin" in done.stderr
