"""Issue 28: the model's own scored answers as SFT data, preference pairs and pass@K."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from punie.data.samples import Sample, group_rows, pass_at_k, pass_rates, preference_pairs, sft_examples
from punie.data.sampling import write_splits
from punie.eval.response import RecordedResponse, Turn
from punie.eval.suite import EvalPrompt


def test_pass_at_k_matches_hand_computed_values() -> None:
    assert pass_at_k(4, 0, 1) == 0.0 and pass_at_k(4, 4, 1) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)  # one pass in four
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - 3 / 6)  # 1 - C(3,2)/C(4,2)
    assert pass_at_k(5, 2, 3) == pytest.approx(1 - 1 / 10)  # 1 - C(3,3)/C(5,3)
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - 21 / 252)  # 1 - C(7,5)/C(10,5)
    assert pass_at_k(3, 2, 2) == 1.0  # fewer failures than draws: a pass is certain
    with pytest.raises(ValueError, match="pass@k needs"):
        pass_at_k(2, 3, 1)


def _call(name: str, path: str) -> Turn:
    return Turn(
        f'<tool_call>\n{{"name": "{name}", "arguments": {{"path": "{path}"}}}}\n</tool_call>', (), "stop"
    )


PROMPTS = {
    "t1": EvalPrompt("t1", "tool_calling", "Read a.py"),
    "t2": EvalPrompt("t2", "tool_calling", "Read b.py"),
}


def _sample(prompt: str, passed: bool, path: str, error: str | None = None) -> Sample:
    response = RecordedResponse((_call("read_file", path),), error)  # type: ignore[arg-type]
    return Sample(prompt, passed, response, None if passed else "wrong_arguments")


def test_pairs_join_a_pass_and_a_fail_of_the_same_prompt_only() -> None:
    samples = [
        _sample("t1", True, "a.py"),
        _sample("t1", True, "a.py"),  # the same answer again: one of them counts
        _sample("t1", False, "x.py"),
        _sample("t1", False, "y.py"),
        _sample("t2", True, "b.py"),  # t2 has no failure: no pair
        _sample("t2", False, "z.py", error="timeout"),  # never answered: neither side
    ]
    pairs = preference_pairs(PROMPTS, samples)
    assert len(pairs) == 1
    pair = pairs[0]
    assert pair["prompt_id"] == "t1" and pair["prompt"] == [{"role": "user", "content": "Read a.py"}]
    chosen, rejected = pair["chosen"][0]["tool_calls"][0], pair["rejected"][0]["tool_calls"][0]
    assert chosen["function"]["arguments"] == {"path": "a.py"}
    assert rejected["function"]["arguments"] == {"path": "x.py"}
    assert pair["chosen"] != pair["rejected"]


def test_sft_keeps_each_distinct_passing_answer_once_and_pass_rates_count_answered_samples() -> None:
    samples = [_sample("t1", True, "a.py"), _sample("t1", True, "a.py"), _sample("t1", False, "x.py")]
    samples += [_sample("t2", False, "q.py"), _sample("t2", False, "z.py", error="timeout")]
    examples = sft_examples(PROMPTS, samples)
    assert len(examples) == 1 and examples[0]["messages"][-1]["role"] == "assistant"
    assert examples[0]["messages"][-1]["tool_calls"][0]["function"]["name"] == "read_file"
    (rates,) = pass_rates(PROMPTS, samples, k=3)
    assert rates.prompts == 2 and rates.samples == 1  # t2 had one answered sample
    assert rates.pass_at_1 == pytest.approx((2 / 3 + 0) / 2)
    assert rates.pass_at_k == pytest.approx((1.0 + 0) / 2)


def test_pass_rates_per_tool_name_the_tool_each_prompt_is_about() -> None:
    from punie.data.samples import wanted_tool
    from punie.eval.tool_match import ExpectedCall

    prompts = {
        "r": EvalPrompt("r", "tool_calling", "Read a.py", expected_calls=(ExpectedCall("read_file"),)),
        "w": EvalPrompt("w", "tool_calling", "Write b.py", expected_calls=(ExpectedCall("write_file"),)),
        "n": EvalPrompt("n", "tool_calling", "What is 2+2?", no_tool=True),
        "q": EvalPrompt("q", "reasoning", "2+2?"),
    }
    assert [wanted_tool(p) for p in prompts.values()] == ["read_file", "write_file", "no tool", ""]
    samples = [
        _sample("r", True, "a"),
        _sample("w", False, "b"),
        _sample("n", True, "c"),
        _sample("q", True, "d"),
    ]
    rates = {r.category: r.pass_at_1 for r in pass_rates(prompts, samples, 1, wanted_tool)}
    assert rates == {"read_file": 1.0, "write_file": 0.0, "no tool": 1.0}  # the reasoning prompt: no tool


def test_sampled_data_keeps_two_validation_rows_from_ten_on(tmp_path: Path) -> None:
    for count, valid in ((12, 2), (30, 3), (5, 1)):
        write_splits(tmp_path / str(count), [{"n": i} for i in range(count)])
        lines = (tmp_path / str(count) / "valid.jsonl").read_text().splitlines()
        train = (tmp_path / str(count) / "train.jsonl").read_text().splitlines()
        assert (len(lines), len(lines) + len(train)) == (valid, count)
    write_splits(tmp_path / "one", [{"n": 0}])
    assert not (tmp_path / "one" / "valid.jsonl").exists()
    write_splits(tmp_path / "none", [])
    assert not (tmp_path / "none").exists()


def test_grpo_groups_give_each_answer_its_reward_minus_its_prompts_mean() -> None:
    samples = [
        _sample("t1", True, "a.py"),
        _sample("t1", False, "x.py"),
        _sample("t1", False, "y.py"),
        _sample("t1", False, "z.py", error="timeout"),  # never answered: not in the group
        _sample("t2", True, "b.py"),  # every answer of t2 passed: no signal, no row
        _sample("t2", True, "b.py"),
    ]
    rows = group_rows(PROMPTS, samples)
    assert [(r["prompt_id"], r["reward"]) for r in rows] == [("t1", 1.0), ("t1", 0.0), ("t1", 0.0)]
    assert [r["advantage"] for r in rows] == pytest.approx([2 / 3, -1 / 3, -1 / 3])
    assert sum(r["advantage"] for r in rows) == pytest.approx(0.0)
    assert rows[0]["answer"][0]["tool_calls"][0]["function"]["arguments"] == {"path": "a.py"}
    assert rows[0]["prompt"] == [{"role": "user", "content": "Read a.py"}]


def test_a_pair_ends_each_answer_with_what_the_model_wrote() -> None:
    cut = RecordedResponse((dataclasses.replace(_call("read_file", "x.py"), tool_results=("no such file",)),))
    samples = [_sample("t1", True, "a.py"), Sample("t1", False, cut, "wrong_arguments")]
    (pair,) = preference_pairs(PROMPTS, samples)
    assert [m["role"] for m in pair["rejected"]] == ["assistant"]  # the turn limit cut it after a result
    assert [m["role"] for m in pair["chosen"]] == ["assistant"]


def test_reference_pairs_are_made_only_where_no_answer_passed_and_the_reference_passes() -> None:
    from punie.data.generated_prompts import generated_prompts
    from punie.data.samples import reference_answer, reference_pairs

    write, read, none = (
        next(p for p in generated_prompts(40, 0) if p.id.endswith(tool))
        for tool in ("write_file", "read_file", "none")
    )
    prompts = {p.id: p for p in (write, read, none)}
    samples = [
        _sample(write.id, False, "wrong.py"),  # writes: never passed
        _sample(write.id, False, "wrong.py"),
        _sample(read.id, True, "any.py"),  # reads: one passed, so on-policy pairs cover it
        _sample(read.id, False, "x.py"),
        _sample(none.id, False, "x.py"),  # no tool wanted: no call to prefer
    ]
    pairs = reference_pairs(prompts, samples)
    assert [p["prompt_id"] for p in pairs] == [write.id]
    (want,) = write.expected_calls
    chosen = pairs[0]["chosen"]
    assert len(chosen) == 1 and len(pairs[0]["rejected"]) == 1  # one turn a side
    assert chosen[0]["tool_calls"][0]["function"]["name"] == "write_file"
    assert chosen[0]["tool_calls"][0]["function"]["arguments"] == {k: v[0] for k, v in want.arguments.items()}
    assert pairs[0]["rejected"][0]["tool_calls"][0]["function"]["arguments"] == {"path": "wrong.py"}
    assert pairs[0]["chosen_from"] == "reference"
    # a reference its own scorer would fail (here: the schema's required content left out) is never chosen
    broken = dataclasses.replace(
        write, expected_calls=(dataclasses.replace(want, arguments={"path": want.arguments["path"]}),)
    )
    assert reference_answer(broken) is None
    assert reference_pairs({write.id: broken}, samples[:2]) == []


def test_a_passing_answer_that_calls_gives_an_example_ending_at_its_call_so_mask_prompt_learns_it() -> None:
    call = _call("read_file", "a.py")
    whole = Turn("a.py holds one line.", (), "stop")
    response = RecordedResponse((dataclasses.replace(call, tool_results=("x = 1\n",)), whole), None)  # type: ignore[arg-type]
    examples = sft_examples(PROMPTS, [Sample("t1", True, response)])
    assert [[m["role"] for m in e["messages"]] for e in examples] == [
        ["user", "assistant"],  # ends at the call: what mask_prompt trains is the call
        ["user", "assistant", "tool", "assistant"],  # the whole answer: its final message
    ]
    assert examples[0]["messages"][-1]["tool_calls"][0]["function"]["arguments"] == {"path": "a.py"}
    plain = RecordedResponse((Turn("4", (), "stop"),), None)  # type: ignore[arg-type]
    assert len(sft_examples(PROMPTS, [Sample("t2", True, plain)])) == 1  # no call: the answer once
