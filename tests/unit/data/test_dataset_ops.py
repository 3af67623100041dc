import pytest

from punie.data.filters import dedupe, low_quality, not_python, python2, run_filters
from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.ops import merge_examples, parse_ratio, percentiles, split_examples, split_stats
from punie.data.validate import check_example
from punie.tools.builtin import BUILTIN


def chat(user: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def test_generator_is_deterministic_valid_and_structured() -> None:
    rows = generate_tool_calling(60, seed=3)
    assert rows == generate_tool_calling(60, seed=3) != generate_tool_calling(60, seed=4)
    assert all(check_example(row, "f", 1) == [] for row in rows)  # no errors, no text-call warnings
    categories = {row["category"] for row in rows}
    assert categories == {*BUILTIN, "no_tool"}


def test_split_is_seeded_and_complete() -> None:
    rows = [chat(f"q{i}", "a") for i in range(20)]
    parts = split_examples(rows, valid=0.1, test=0.1, seed=1)
    assert {k: len(v) for k, v in parts.items()} == {"valid": 2, "test": 2, "train": 16}
    assert parts == split_examples(rows, valid=0.1, test=0.1, seed=1)
    assert sorted(r["messages"][0]["content"] for p in parts.values() for r in p) == sorted(
        f"q{i}" for i in range(20)
    )
    with pytest.raises(ValueError, match="too few"):
        split_examples(rows[:2], valid=0.5, test=0.4, seed=1)


def test_merge_keeps_the_ratio() -> None:
    a = [chat(f"a{i}", "x") for i in range(10)]
    b = [chat(f"b{i}", "y") for i in range(10)]
    merged = merge_examples(a, b, parse_ratio("2:1"), seed=0)
    from_a = sum(1 for r in merged if r["messages"][0]["content"].startswith("a"))
    assert (from_a, len(merged) - from_a) == (10, 5)
    assert parse_ratio("0.7") == (0.7, pytest.approx(0.3))
    with pytest.raises(ValueError):
        parse_ratio("x")


def test_stats() -> None:
    stats = split_stats(generate_tool_calling(30, seed=0), count_tokens=lambda e: len(str(e)))
    assert (
        stats["examples"] == 30 and 2 < stats["messages_per_example"] < 4
    )  # trajectories and no-tool answers
    assert set(stats["tool_calls_by_tool"]) <= set(BUILTIN)
    assert stats["no_tool_examples"] == stats["categories"]["no_tool"]
    assert set(stats["tokens_per_example"]) == {"min", "p50", "p90", "p99", "max"}
    assert percentiles([]) == {}


def test_filters_each_catch_their_case() -> None:
    assert not_python(chat("sort", "```js\nconsole.log(1)\n```"))
    assert not_python(chat("hi", "#include <stdio.h>"))
    assert not not_python(chat("sort", "```python\nsorted(x)\n```"))
    assert python2(chat("p", "print 'hi'")) and python2(chat("p", "for i in xrange(3): pass"))
    assert not python2(chat("p", "print('hi')"))
    assert low_quality(chat("q", "TODO")) and low_quality(chat("q", ""))
    assert not low_quality(generate_tool_calling(1, seed=0)[0])


def test_dedupe_exact_and_near() -> None:
    rows = [
        chat("How do I sort a list in Python quickly?", "Use sorted(items) or items.sort() in place."),
        chat("How do I sort a list in Python quickly?", "Use sorted(items) or items.sort() in place."),
        chat("How do I sort a list in Python quickly ?", "Use sorted(items) or items.sort() in place!"),
        chat("What is a tuple?", "An immutable sequence."),
    ]
    kept, report = dedupe(rows, near=0.9)
    assert (report.kept, report.removed) == (2, 2) and len(report.samples) == 2
    assert kept == [rows[0], rows[3]]


def test_run_filters_reports_every_step() -> None:
    rows = [chat("a", "```js\nx\n```"), chat("b", "print 'x'"), chat("c", "?"), chat("d", "fine answer")]
    kept, reports = run_filters(rows, "python", True, 3, 0.9)
    assert [r.name for r in reports][:2] == ["language=python", "python3"]
    assert [r.removed for r in reports] == [1, 1, 1, 0] and kept == [rows[3]]


def test_chat_model_round_trips_generated_examples() -> None:
    from punie.data.chat import parse_example

    for row in generate_tool_calling(20, seed=9):
        example = parse_example(row)
        assert example.to_dict() == row
        assert all(m.role in {"user", "assistant", "tool"} for m in example.messages)
