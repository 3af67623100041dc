"""The runner against an in-process fake OpenAI-compatible server (an httpx transport)."""

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from punie.errors import UsageError
from punie.eval.baseline import adapter_proof, compare_responses
from punie.eval.client import SamplingSettings
from punie.eval.report import load_report
from punie.eval.response import RecordedResponse, Turn
from punie.eval.results_log import read_results
from punie.eval.run_config import EvalRunConfig, EvalSettings
from punie.eval.runner import run_evaluation
from punie.eval.suite_load import parse_suite
from punie.serve.config import ServerConfig
from punie.serve.endpoint import Endpoint
from tests.helpers import fake_eval_config

SUITE = parse_suite(
    """
prompts:
  - {id: r1, category: reasoning, prompt_text: "6 times 7?", expected_answer: "42"}
  - {id: r2, category: reasoning, prompt_text: "half of 50?", expected_answer: "25"}
  - {id: c1, category: code_generation, prompt_text: "add", tests: "assert add(1, 2) == 3"}
  - id: t1
    category: tool_calling
    prompt_text: read README.md
    expected_calls: [{name: read_file, arguments: {path: README.md}}]
""",
    "fake.yaml",
    "fake",
)
ANSWERS = {"6 times 7?": "42", "half of 50?": "24", "add": "```python\ndef add(a, b):\n    return a + b\n```"}


class FakeServer:
    def __init__(self, die_after: int | None = None, delay: float = 0.0) -> None:
        self.die_after, self.delay = die_after, delay
        self.asked: list[str] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.die_after is not None and len(self.asked) >= self.die_after:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": []})
        body = json.loads(request.content)
        messages = body["messages"]
        self.asked.append(messages[0]["content"])
        await asyncio.sleep(self.delay)
        if messages[-1]["role"] == "tool":
            message: dict[str, Any] = {"role": "assistant", "content": "read it"}
        elif body.get("tools"):
            call = {
                "id": "x",
                "type": "function",
                "function": {"name": "read_file", "arguments": '{"path": "README.md"}'},
            }
            message = {"role": "assistant", "content": "", "tool_calls": [call]}
        else:
            message = {"role": "assistant", "content": ANSWERS.get(messages[0]["content"], "one, two, three")}
        return httpx.Response(200, json={"choices": [{"message": message, "finish_reason": "stop"}]})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def config(tmp_path: Path, **kw: Any) -> EvalRunConfig:
    # a given timeout (60 s): no speed probe (its own test below)
    return fake_eval_config(kw.pop("suite", SUITE), tmp_path, **kw)


async def test_a_run_streams_results_and_writes_both_reports(tmp_path: Path) -> None:
    seen: list[str] = []
    report = await run_evaluation(config(tmp_path), lambda r: seen.append(r.id), FakeServer().transport())
    assert sorted(seen) == ["c1", "r1", "r2", "t1"] and report.complete
    assert report.score_by_category() == {"reasoning": 0.5, "code_generation": 1.0, "tool_calling": 1.0}
    assert report.overall_score == pytest.approx(2.5 / 3) and report.success_rate == 0.75
    assert report.failure_classes() == {"wrong_answer": 1} and report.call_sources() == {"structured": 1}
    saved = load_report(tmp_path / "run")
    assert saved.score_by_category() == report.score_by_category() and saved.suite_hash == SUITE.suite_hash()
    html = (tmp_path / "run" / "report.html").read_text()
    assert "50.0%" in html and "wrong_answer" in html and "<script" not in html
    assert len(read_results(tmp_path / "run" / "results.jsonl")) == 4


async def test_a_refused_connection_is_retried_and_loses_no_prompt(tmp_path: Path) -> None:
    """Issue 27: mlx_lm.server's listen backlog of 5 refuses bursts while it is up; each request
    here is refused twice, then answered."""
    refused = Counter[str]()

    def busy() -> httpx.MockTransport:
        fake = FakeServer()
        refused.clear()

        async def handle(request: httpx.Request) -> httpx.Response:
            key = request.content.decode()
            if request.url.path.endswith("/chat/completions") and refused[key] < 2:
                refused[key] += 1
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
            return await fake.handle(request)

        return httpx.MockTransport(handle)

    report = await run_evaluation(config(tmp_path, retry_waits=(0.01, 0.02)), transport=busy())
    assert report.complete and report.incomplete() == {} and sum(refused.values()) >= 8
    one_retry = await run_evaluation(config(tmp_path / "b", retry_waits=(0.01,)), transport=busy())
    assert not one_retry.complete  # the retries are what kept every prompt


async def test_server_death_marks_the_rest_and_resume_finishes(tmp_path: Path) -> None:
    dying = FakeServer(die_after=2)
    report = await run_evaluation(config(tmp_path, retry_waits=(0.01,)), transport=dying.transport())
    assert report.error is not None and "stopped" in report.error and not report.complete
    assert sum(r.failure == "server_error" for r in report.results) == 2
    assert load_report(tmp_path / "run").error == report.error  # the partial report is on disk

    with pytest.raises(UsageError, match="--resume"):
        await run_evaluation(config(tmp_path), transport=FakeServer().transport())
    healthy = FakeServer()
    resumed = await run_evaluation(config(tmp_path, resume=True), transport=healthy.transport())
    assert resumed.complete and len(resumed.results) == 4
    assert len(set(healthy.asked)) == 2  # only the prompts that had no answer were asked again


async def test_a_slow_answer_is_a_timeout_not_a_hang(tmp_path: Path) -> None:
    report = await run_evaluation(
        config(tmp_path, prompt_timeout=0.2), transport=FakeServer(delay=5).transport()
    )
    assert {r.failure for r in report.results} == {"timeout"}


def test_torn_last_line_is_dropped_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text('{"prompt_id": "r1", "suite_hash": "x", "response": {"turns": []}, "result": {"id"')
    assert read_results(path) == []


def test_adapter_proof_counts_changed_responses(tmp_path: Path) -> None:
    same = {"a": RecordedResponse((Turn("x"),)), "b": RecordedResponse((Turn("y"),))}
    assert compare_responses(same, same, "base").suspicious
    changed = {"a": RecordedResponse((Turn("x"),)), "b": RecordedResponse((Turn("z"),))}
    proof = compare_responses(same, changed, "base")
    assert (proof.compared, proof.changed, proof.changed_share) == (2, 1, 0.5)


async def test_adapter_proof_reads_the_baseline_run(tmp_path: Path) -> None:
    await run_evaluation(config(tmp_path), transport=FakeServer().transport())
    adapter_run = EvalRunConfig(
        suite=SUITE,
        output_dir=tmp_path / "adapter",
        server=ServerConfig(model_path="m", adapter_path="ad"),
        baseline=tmp_path / "run" / "report.json",
    )
    recorded = {r.prompt_id: r.response for r in read_results(tmp_path / "run" / "results.jsonl")}
    proof = adapter_proof(adapter_run, recorded)
    assert proof is not None and proof.suspicious and proof.compared == 4


def test_config_refuses_no_server_without_a_url(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--base-url"):
        EvalRunConfig(suite=SUITE, output_dir=tmp_path, manage_server=False)


async def test_without_a_timeout_one_is_scaled_to_the_measured_speed(tmp_path: Path) -> None:
    fake = FakeServer()
    report = await run_evaluation(config(tmp_path, prompt_timeout=None), transport=fake.transport())
    assert report.complete
    assert float(report.settings["generation_tokens_per_second"]) > 0
    assert 60 <= float(report.settings["prompt_timeout"]) <= 3600


async def test_timeouts_are_incomplete_never_failures_and_resume_retries_them(tmp_path: Path) -> None:
    slow = FakeServer(delay=0.5)
    report = await run_evaluation(config(tmp_path, prompt_timeout=0.1), transport=slow.transport())
    assert not report.complete and report.incomplete() == {"timeout": 4}
    assert report.score_by_category() == {} and report.failure_classes() == {}
    again = await run_evaluation(config(tmp_path, resume=True), transport=FakeServer().transport())
    assert again.complete and again.incomplete() == {} and len(again.results) == 4


async def test_the_repetition_penalty_the_report_records_is_the_one_sent(tmp_path: Path) -> None:
    """Issue 29: a setting the report claims reaches every eval request (it used to be recorded and
    validated but sent only by the pydantic-ai factory)."""
    bodies: list[dict[str, Any]] = []
    fake = FakeServer()

    async def spy(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/chat/completions"):
            bodies.append(json.loads(request.content))
        return await fake.handle(request)

    run = EvalRunConfig(
        suite=SUITE,
        output_dir=tmp_path / "run",
        settings=EvalSettings(SamplingSettings(repetition_penalty=1.3), concurrency=1, prompt_timeout=60.0),
        manage_server=False,
        endpoints=(Endpoint("http://fake/v1", concurrency=1),),
    )
    report = await run_evaluation(run, transport=httpx.MockTransport(spy))
    assert report.settings["repetition_penalty"] == 1.3
    assert bodies and all(body["repetition_penalty"] == 1.3 for body in bodies)
    plain: list[dict[str, Any]] = []

    async def spy_plain(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/chat/completions"):
            plain.append(json.loads(request.content))
        return await fake.handle(request)

    await run_evaluation(config(tmp_path / "b"), transport=httpx.MockTransport(spy_plain))
    assert plain and all("repetition_penalty" not in body for body in plain)


def test_an_adapter_trained_too_little_to_change_an_answer_is_not_called_unapplied(tmp_path: Path) -> None:
    """Issue 31: a 1-iteration run printed a false 'adapter NOT applied' alarm. LoRA's B starts at
    zero, so an adapter whose B is still near zero answers as the base does, applied or not."""
    import json

    from punie.eval.report import AdapterProof
    from punie.serve.adapter_check import lora_update_size
    from tests.helpers import write_safetensors_header

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"lora_parameters": {"rank": 2, "scale": 20.0}}))
    write_safetensors_header(
        adapter / "adapters.safetensors", {"layers.0.q.lora_a": (4, 2), "layers.0.q.lora_b": (2, 4)}
    )
    assert lora_update_size(adapter) == 0.0
    assert lora_update_size(tmp_path / "missing") is None
    untrained = AdapterProof("base", 4, 0, lora_update_size(adapter))
    assert untrained.untrained and not untrained.suspicious and "near zero" in untrained.text()
    unread = AdapterProof("base", 4, 0, None)
    assert unread.suspicious and "probably NOT applied" in unread.text()
    trained = AdapterProof("base", 4, 0, 0.5)
    assert trained.suspicious and "probably NOT applied" in trained.text()
    assert AdapterProof("base", 4, 1, 0.0).text() == "adapter proof: 1/4 responses differ from the baseline"
