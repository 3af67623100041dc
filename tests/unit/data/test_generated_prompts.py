"""punie's training-prompt generator as prompts to sample (`dataset sample --prompts generator`):
each request scored by its template's own call, and never one that overlaps the suite."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.generated_prompts import generated_prompts, with_generated
from punie.data.sampling import SampleConfig, sample
from punie.errors import UsageError
from punie.eval.suite_load import load_suite
from punie.eval.suite_split import split_ids
from punie.eval.tool_parse import Call, ParsedCalls
from punie.eval.tool_schema import BUILTIN_TOOLS
from punie.eval.tool_score import score_tool_calls
from punie.serve.config import ServerConfig


def _score(prompt, *calls: Call):  # type: ignore[no-untyped-def]
    parsed = ParsedCalls(tuple(calls), "structured")
    return score_tool_calls(prompt.expected_calls, parsed, tools=BUILTIN_TOOLS)


def test_the_same_seed_gives_the_same_distinct_requests_and_another_seed_others() -> None:
    first, again, other = generated_prompts(40, 0), generated_prompts(40, 0), generated_prompts(40, 1)
    assert first == again and first != other
    assert len({p.prompt_text for p in first}) == 40 and len({p.id for p in first}) == 40
    wanted = {p.expected_calls[0].name if p.expected_calls else "none" for p in first}
    assert wanted == {"read_file", "write_file", "run_command", "none"}  # writes are covered


def test_each_request_wants_its_templates_own_call_and_fails_another() -> None:
    template = {
        str(row["messages"][0]["content"]): row["messages"][1]
        for row in generate_tool_calling(400, seed=0, whole_share=0.0)
    }
    for prompt in generated_prompts(30, 0):
        answer = template[prompt.prompt_text]
        calls = [
            Call(c["function"]["name"], c["function"]["arguments"]) for c in answer.get("tool_calls") or ()
        ]
        assert _score(prompt, *calls).passed, prompt.id
        if not calls:
            assert prompt.no_tool and not _score(prompt, Call("read_file", {"path": "x"})).passed
            continue
        arguments = dict(calls[0].arguments)
        key = next(iter(arguments))
        wrong = Call(calls[0].name, {**arguments, key: f"{arguments[key]}-not"})
        assert not _score(prompt, wrong).passed, prompt.id
        assert not _score(prompt).passed  # no call at all


def test_a_written_file_may_end_with_a_newline_and_a_path_may_start_with_dot_slash() -> None:
    write = next(
        p for p in generated_prompts(30, 0) if p.expected_calls and p.expected_calls[0].name == "write_file"
    )
    (path,), (content,) = (
        write.expected_calls[0].arguments["path"][:1],
        write.expected_calls[0].arguments["content"][:1],
    )
    assert _score(write, Call("write_file", {"path": f"./{path}", "content": f"{content}\n"})).passed


def test_the_workspace_holds_every_file_a_generated_read_names_and_the_suite_keeps_its_own() -> None:
    suite = load_suite()
    merged = with_generated(suite, generated_prompts(60, 0))
    reads = [
        p.expected_calls[0].arguments["path"][0]
        for p in merged.prompts
        if p.id.startswith("gen") and p.expected_calls and p.expected_calls[0].name == "read_file"
    ]
    assert reads and all(path in merged.workspace for path in reads)
    assert all(merged.workspace[name] == text for name, text in suite.workspace.items())


def _config(tmp_path: Path, **changes: object) -> SampleConfig:
    base = SampleConfig(load_suite(), tmp_path / "out", server=ServerConfig(model_path="m", port=0))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_generator_only_samples_no_suite_prompt_and_both_adds_the_selection_share(tmp_path: Path) -> None:
    requests = generated_prompts(12, 0)
    only = _config(tmp_path, generated=requests, from_suite=False).prompts()
    assert only.prompts == requests
    both = _config(tmp_path, generated=requests).prompts()
    suite = load_suite()
    selection = split_ids(((p.id, p.category) for p in suite.prompts), 0.5).selection
    assert {p.id for p in both.prompts} == selection | {p.id for p in requests}
    with pytest.raises(UsageError, match="no prompt to sample"):
        _config(tmp_path, from_suite=False)


def test_a_generated_request_that_repeats_a_suite_prompt_is_refused_before_any_server(tmp_path: Path) -> None:
    suite = load_suite()
    held = suite.prompts[5]  # any suite prompt: it chooses settings or scores the result
    copied = dataclasses.replace(generated_prompts(3, 0)[0], prompt_text=held.prompt_text.upper())
    config = _config(tmp_path, generated=(*generated_prompts(3, 0)[1:], copied), from_suite=False)
    assert [(o.line, o.prompt_id) for o in config.overlaps()] == [(3, held.id)]
    with pytest.raises(
        UsageError, match=rf"1 generated prompt\(s\) overlap .*3: {held.id} \(the same text\)"
    ):
        asyncio.run(sample(config))
    assert not (tmp_path / "out").exists()  # refused before a server started or a file was written


def test_the_generator_overlaps_no_prompt_of_the_builtin_suite(tmp_path: Path) -> None:
    assert _config(tmp_path, generated=generated_prompts(300, 0)).overlaps() == []
