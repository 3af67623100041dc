"""Whole eval runs against a fake OpenAI server that writes hostile tool calls (issue 26, F2/D1).

Nothing the model writes may turn its failure into "incomplete" (F2: slow commands of its own) or
stop the run (D1: a call that used to raise); `--resume` of a stopped run completes.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from punie.eval.results_log import read_results
from punie.eval.run_config import EvalRunConfig
from punie.eval.runner import run_evaluation
from punie.eval.suite_load import parse_suite
from punie.sandbox import SandboxLimits
from tests.helpers import fake_eval_config

SUITE = parse_suite(
    """
workspace: {README.md: "hello\\n"}
prompts:
"""
    + "".join(
        f"""  - id: t{i}
    category: tool_calling
    prompt_text: "task {i}: read README.md"
    tools: [read_file, write_file, run_command]
    expected_calls: [{{name: read_file, arguments: {{path: README.md}}}}]
"""
        for i in range(5)
    ),
    "hostile.yaml",
    "hostile",
)
D1_SHAPES = {  # the calls of one turn, per prompt (t4 is answered honestly)
    "task 0": [("run_command", {"command": "ln -s loop loop"}), ("read_file", {"path": "loop"}),
               ("write_file", {"path": "loop", "content": "x"})],
    "task 1": [("write_file", {"path": "n" * 300, "content": "x"})],
    "task 2": [("write_file", {"path": "f.txt", "content": "x"}),
               ("write_file", {"path": "f.txt/child", "content": "y"})],
    "task 3": [("write_file", {"path": "s.txt", "content": "\ud800"})],
    "task 4": [("read_file", {"path": "README.md"})],
}  # fmt: skip


class HostileServer:
    """Answers each prompt's first turn with `calls[task]`, then a final text; `slow` tasks wait."""

    def __init__(self, calls: dict[str, list[tuple[str, dict[str, Any]]]], delay: float = 0.0) -> None:
        self.calls, self.delay = calls, delay

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": []})
        body = json.loads(request.content)
        messages = body["messages"]
        task = messages[0]["content"].split(":")[0]
        await asyncio.sleep(self.delay)
        if task == "task 9":
            raise ValueError("an exception nobody foresaw")
        if messages[-1]["role"] == "tool":  # a final text a UTF-8 file cannot hold, for task 3
            message: dict[str, Any] = {
                "role": "assistant",
                "content": "done \ud800" if task == "task 3" else "done",
            }
        else:
            calls = [
                {"id": f"c{n}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}}
                for n, (name, args) in enumerate(self.calls.get(task, []))
            ]  # fmt: skip
            message = {"role": "assistant", "content": "", "tool_calls": calls}
        payload = {"choices": [{"message": message, "finish_reason": "stop"}]}
        return httpx.Response(
            200, content=json.dumps(payload).encode(), headers={"content-type": "application/json"}
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def config(tmp_path: Path, **kw: Any) -> EvalRunConfig:
    return fake_eval_config(kw.pop("suite", SUITE), tmp_path, concurrency=2, **{"prompt_timeout": 30.0, **kw})


async def test_f2_slow_commands_of_its_own_are_a_scored_failure_not_incomplete(tmp_path: Path) -> None:
    sleeps = {"task 0": [("run_command", {"command": "sleep 60"}), ("run_command", {"command": "sleep 60"})]}
    run = config(tmp_path, prompt_timeout=1.5, sandbox=SandboxLimits(wall_seconds=1, cpu_seconds=1))
    report = await run_evaluation(run, transport=HostileServer(sleeps).transport())
    t0 = next(r for r in report.results if r.id == "t0")
    assert not t0.incomplete and not t0.passed and t0.failure is not None, t0
    assert report.incomplete() == {} and report.complete
    # the calls ran to their own wall limit, past the prompt timeout, and were still the model's
    recorded = {r.prompt_id: r for r in read_results(tmp_path / "run" / "results.jsonl")}
    assert recorded["t0"].response.seconds > 1.5
    assert all("timed out" in text for text in recorded["t0"].response.turns[0].tool_results)


async def test_f2_control_a_slow_endpoint_is_still_incomplete(tmp_path: Path) -> None:
    run = config(tmp_path, prompt_timeout=0.2)
    report = await run_evaluation(run, transport=HostileServer(D1_SHAPES, delay=2).transport())
    assert report.incomplete() == {"timeout": 5}


async def test_f2_a_prompts_commands_share_one_time_budget(tmp_path: Path) -> None:
    many = {"task 0": [("run_command", {"command": "sleep 60"})] * 6}
    run = config(tmp_path, sandbox=SandboxLimits(wall_seconds=1, cpu_seconds=1), max_turns=1)
    await run_evaluation(run, transport=HostileServer(many).transport())
    t0 = next(r for r in read_results(tmp_path / "run" / "results.jsonl") if r.prompt_id == "t0")
    results = t0.response.turns[0].tool_results
    assert sum("timed out" in text for text in results) <= 3  # 3 wall limits, then refused unrun
    assert "have used their 3 s" in results[-1], results


async def test_d1_hostile_calls_never_stop_the_run(tmp_path: Path) -> None:
    report = await run_evaluation(config(tmp_path), transport=HostileServer(D1_SHAPES).transport())
    assert report.complete and report.error is None and len(report.results) == 5
    assert {r.id for r in report.results if r.passed} == {"t4"}  # the honest one still passes
    recorded = {r.prompt_id: r for r in read_results(tmp_path / "run" / "results.jsonl")}
    for task in ("t0", "t1", "t2", "t3"):
        assert any(text.startswith("error:") for text in recorded[task].response.turns[0].tool_results)


async def test_d1_an_unforeseen_exception_is_that_prompts_failure_and_resume_completes(
    tmp_path: Path,
) -> None:
    crashing = parse_suite(
        """
prompts:
  - {id: crash, category: reasoning, prompt_text: "task 9: what is 2+2?", expected_answer: "4"}
  - {id: fine, category: reasoning, prompt_text: "task 5: what is 2+2?", expected_answer: "4"}
""",
        "crash.yaml",
        "crash",
    )
    run = config(tmp_path, suite=crashing)
    report = await run_evaluation(run, transport=HostileServer({}).transport())
    crash = next(r for r in report.results if r.id == "crash")
    assert not crash.passed and crash.failure == "crashed" and not crash.incomplete
    assert "ValueError: an exception nobody foresaw" in crash.reason
    recorded = {r.prompt_id: r for r in read_results(tmp_path / "run" / "results.jsonl")}
    assert "Traceback" in recorded["crash"].response.error_detail
    # a run that stopped half way (its last result lost) resumes and completes
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "run" / "results.jsonl").write_text(lines[0])
    again = await run_evaluation(
        config(tmp_path, suite=crashing, resume=True), transport=HostileServer({}).transport()
    )
    assert again.complete and len(again.results) == 2
