"""`run_evaluation(config) -> EvalReport`: the async shell around the pure scorers.

Results stream to `results.jsonl` as each prompt finishes, so a crash loses at most the prompts
in flight and `resume=True` picks up where it stopped. When the server dies, the prompts left are
recorded as `server_error`, the partial report is written, and `report.error` says why.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from punie.errors import PunieError, UsageError
from punie.eval.agent_loop import AgentTools, run_agent
from punie.eval.baseline import adapter_proof, register_baseline
from punie.eval.categories import KINDS
from punie.eval.client import ChatClient, ServerError
from punie.eval.prompt_size import check_prompt_sizes
from punie.eval.report import HTML_FILE, REPORT_FILE, RESULTS_FILE, EvalReport
from punie.eval.report_html import render_report_html
from punie.eval.response import RecordedResponse, Turn
from punie.eval.results_log import Recorded, append_result, read_results
from punie.eval.run_config import EvalRunConfig
from punie.eval.score import EvalResult, score_prompt
from punie.eval.slot_warmup import Warmup, warm_server
from punie.eval.suite import EvalPrompt
from punie.eval.timeouts import CEILING, PROBE_PROMPT, PROBE_TOKENS, Stopwatch, scaled_timeout
from punie.eval.tool_module import module_tools
from punie.eval.tool_module_run import ToolSession
from punie.runtime.atomic import write_json_atomic, write_text_atomic
from punie.runtime.chat_template import model_template_hash
from punie.runtime.doctor import version_of
from punie.runtime.models import resolve_model
from punie.sandbox import Isolation
from punie.sandbox import require as require_isolation
from punie.serve.endpoint import Endpoint
from punie.serve.process import ServerProcess
from punie.tools.workspace import Workspace

TRACE_LIMIT = 4000  # characters of a crashed prompt's traceback kept in its record


OnResult = Callable[[EvalResult], None]
Notice = Callable[[str], None]


def needs_execution(prompts: list[EvalPrompt]) -> bool:
    """Will any of these prompts run model-written code (hidden tests, or a run_command tool)?"""
    return any(KINDS[p.kind].runs_code(p) for p in prompts)


class _RunState:
    def __init__(self, server: ServerProcess | None, endpoint: Endpoint) -> None:
        self.server = server
        self.endpoint = endpoint
        self.dead: str | None = None

    async def check_alive(self, http: httpx.AsyncClient, why: str) -> None:
        if self.server is not None:
            alive = self.server.is_running
        else:
            try:
                alive = (await http.get(f"{self.endpoint.url}/models", timeout=5.0)).status_code < 500
            except httpx.HTTPError:
                alive = False
        if not alive and self.dead is None:
            self.dead = f"the server stopped during the run ({why})"


def _check_sizes(prompts: list[EvalPrompt], model: str, max_tokens: int) -> None:
    """Prompts too long for the model's context are refused before its server starts."""
    try:
        model_dir = resolve_model(model, "serve").path
    except PunieError:
        return  # the server's own start says what is wrong with the model
    check_prompt_sizes(prompts, model_dir, max_tokens)


def prompt_budget(timeout: float | None, prompt: EvalPrompt) -> float | None:
    """Pure: the endpoint time a prompt may take: the timeout for each of its user turns (a
    multi-turn prompt's turns each get the time one prompt gets)."""
    return None if timeout is None else timeout * (1 + len(prompt.later_turns))


async def _ask(
    prompt: EvalPrompt, config: EvalRunConfig, client: ChatClient, http: httpx.AsyncClient, workspace: Path
) -> tuple[Turn, ...]:
    waiting = Stopwatch()  # the endpoint's time: what the prompt timeout counts

    async def chat(messages: list[dict[str, object]], tools: list[dict[str, object]]) -> Turn:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a Ctrl-C
        # cancellation that lands as the request finishes, and the run would go on.
        with waiting.timing():
            async with asyncio.timeout(waiting.left(prompt_budget(config.settings.prompt_timeout, prompt))):
                return await client.complete(http, messages, tools)  # type: ignore[arg-type]

    if KINDS[prompt.kind].interaction == "single":
        return (await chat(prompt.conversation(), []),)
    ws = Workspace(Path(tempfile.mkdtemp(prefix=f"punie-ws-{prompt.id}-", dir=workspace)))
    module = prompt.tool_module
    stateful = frozenset(spec.name for spec in module_tools(module)) if module else frozenset()
    session = ToolSession(module, prompt.initial_state, config.settings.limits) if module else None
    try:
        ws.seed(config.suite.workspace)
        return await run_agent(
            prompt.conversation(),
            chat,
            AgentTools(
                ws,
                config.settings.limits,
                prompt.tool_results,
                frozenset(spec.name for spec in prompt.tool_specs if not spec.builtin) - stateful,
                session=session,
                stateful=stateful,
            ),
            prompt.tool_schemas,
            config.settings.max_turns,
            prompt.later_turns,
        )
    finally:
        shutil.rmtree(ws.root, ignore_errors=True)


async def _respond(
    prompt: EvalPrompt, config: EvalRunConfig, client: ChatClient, http: httpx.AsyncClient, state: _RunState
) -> RecordedResponse:
    if state.dead:
        return RecordedResponse((), "server_error", state.dead)
    started = time.monotonic()
    try:
        turns = await _ask(prompt, config, client, http, config.workspace_root or Path(tempfile.gettempdir()))
        return RecordedResponse(turns, seconds=time.monotonic() - started)
    except TimeoutError:
        budget = prompt_budget(config.settings.prompt_timeout, prompt)
        await state.check_alive(http, f"no answer to {prompt.id} in {budget:g} s")
        detail = state.dead or f"no answer in {budget:g} s"
        return RecordedResponse(
            (), "server_error" if state.dead else "timeout", detail, time.monotonic() - started
        )
    except ServerError as exc:
        await state.check_alive(http, str(exc))
        return RecordedResponse((), "server_error", state.dead or str(exc), time.monotonic() - started)


async def _with_scaled_timeout(
    config: EvalRunConfig, clients: list[ChatClient], http: httpx.AsyncClient
) -> EvalRunConfig:
    """The config with a per-prompt timeout scaled to the generation speed measured now: on the
    slowest endpoint, with every request in flight sharing it (endpoints may share one machine, as
    two servers on loopback do, and each was measured alone)."""
    try:
        rate = min([await c.generation_rate(http, PROBE_PROMPT, PROBE_TOKENS) for c in clients])
    except ServerError:
        return replace(
            config,
            settings=replace(config.settings, prompt_timeout=CEILING),
            extra={**config.extra, "generation_tokens_per_second": "unmeasured"},
        )
    concurrency = sum(c.endpoint.concurrency for c in clients)
    settings = config.settings
    timeout = scaled_timeout(settings.sampling.max_tokens, settings.max_turns, concurrency, rate)
    return replace(
        config,
        settings=replace(settings, prompt_timeout=timeout),
        extra={**config.extra, "generation_tokens_per_second": f"{rate:.1f}"},
    )


def _resume_records(
    config: EvalRunConfig, results_path: Path, suite_hash: str, notice: Notice | None
) -> dict[str, Recorded]:
    torn: list[int] = []
    previous = read_results(results_path, torn.append)
    if torn and notice is not None:
        notice(
            f"{results_path}:{torn[0]}: dropped a torn last line (a write cut short); that prompt runs again"
        )
    if previous and not config.resume:
        raise UsageError(
            f"{results_path} already holds {len(previous)} results; pass --resume to continue that run "
            "or choose another --output"
        )
    stale = [r for r in previous if r.suite_hash != suite_hash]
    if stale:
        raise UsageError(f"{results_path}:1: suite_hash: recorded for another suite; use another --output")
    # Timeouts and server errors (no answer to score) are retried on resume; the rest stays.
    done = {r.prompt_id: r for r in previous if not r.result.incomplete}
    if torn or len(done) != len(previous):  # no empty results.jsonl for a run that may yet fail to start
        write_text_atomic(results_path, "".join(r.to_line() for r in done.values()))
    return done


async def run_evaluation(
    config: EvalRunConfig,
    on_result: OnResult | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    notice: Notice | None = None,
) -> EvalReport:
    """Evaluate every prompt of `config.suite`; write results.jsonl, report.json and report.html.

    `transport` replaces the HTTP transport (tests use an in-process fake server)."""
    created = not config.output_dir.exists()
    config.output_dir.mkdir(parents=True, exist_ok=True)
    try:
        return await _evaluate(config, on_result, transport, notice)
    except BaseException:
        if created and not any(config.output_dir.iterdir()):
            config.output_dir.rmdir()  # a failed start leaves no empty run directory behind
        raise


async def _evaluate(
    config: EvalRunConfig,
    on_result: OnResult | None,
    transport: httpx.AsyncBaseTransport | None,
    notice: Notice | None,
) -> EvalReport:
    results_path = config.output_dir / RESULTS_FILE
    suite_hash = config.suite.suite_hash()
    done = _resume_records(config, results_path, suite_hash, notice)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    pending = [p for p in config.suite.prompts if p.id not in done]
    # Fail closed before any server starts: model-written code runs only under OS isolation.
    isolation = require_isolation(config.settings.unsafe_exec) if needs_execution(pending) else None
    for record in done.values():
        if on_result is not None:
            on_result(record.result)
    server: ServerProcess | None = None
    template: str | None = None
    warmup: Warmup | None = None
    try:
        if pending and config.manage_server and config.server is not None:
            _check_sizes(pending, config.server.model_path, config.settings.sampling.max_tokens)
            server = ServerProcess(config.server, log_path=config.output_dir / "server.log")
            await server.start(timeout=180.0)
            template = model_template_hash(server.model_dir) if server.model_dir else None
        endpoints = (server.endpoint(config.settings.concurrency),) if server else config.endpoints
        states = [_RunState(server, e) for e in endpoints]
        settings = config.settings
        clients = [
            ChatClient(e, config.model_name, settings.sampling, settings.retry_waits) for e in endpoints
        ]
        queue = deque(pending)  # every endpoint's workers take the next prompt: a fast one takes more
        lock = asyncio.Lock()

        async def keep(prompt: EvalPrompt, response: RecordedResponse) -> None:
            try:
                result = await asyncio.to_thread(score_prompt, prompt, response, config.settings.limits)
            except Exception:
                response = crashed(response, prompt)
                result = score_prompt(prompt, response, config.settings.limits)  # the error path runs nothing
            entry = Recorded(prompt.id, suite_hash, response, result)
            async with lock:
                append_result(results_path, entry)
                done[prompt.id] = entry
            if on_result is not None:
                on_result(result)

        def live() -> bool:
            return any(not s.dead for s in states)

        async def worker(client: ChatClient, state: _RunState) -> None:
            while queue and not state.dead:  # a dead endpoint leaves the rest to the others
                prompt = queue.popleft()
                try:
                    response = await _respond(prompt, config, client, http, state)
                except Exception:  # one prompt's crash is that prompt's failure, never the run's
                    response = crashed(RecordedResponse(()), prompt)
                if state.dead and response.error == "server_error" and live():
                    queue.appendleft(prompt)  # its endpoint died under it: a live one answers it
                    return
                answered_by = client.endpoint.url if len(clients) > 1 else ""  # which of several
                await keep(prompt, replace(response, endpoint=answered_by))

        # Each prompt's own asyncio timeout bounds it; httpx only bounds connecting.
        async with httpx.AsyncClient(timeout=httpx.Timeout(None, connect=10.0), transport=transport) as http:
            if config.settings.prompt_timeout is None and pending:  # nothing to ask: no server, no probe
                config = await _with_scaled_timeout(config, clients, http)
            if server is not None:  # the prompts' shared opening, computed once for every slot
                warmup = await warm_server(http, server, clients[0], pending)
            while queue and live():  # again while an endpoint that died left prompts to the rest
                await asyncio.gather(
                    *(
                        worker(client, state)
                        for client, state in zip(clients, states, strict=True)
                        if not state.dead
                        for _ in range(client.endpoint.concurrency)
                    )
                )
            dead = "; ".join(
                f"{s.endpoint.url}: {s.dead}" if len(states) > 1 else s.dead for s in states if s.dead
            )
            if dead and live() and notice is not None:  # its prompts went to the live endpoints
                notice(f"an endpoint died; the live ones answered its prompts ({dead})")
            error = None if live() else dead or None
            while queue:  # every endpoint died: what is left is recorded unanswered (resume retries it)
                await keep(queue.popleft(), RecordedResponse((), "server_error", dead))
    finally:
        if server is not None:
            await server.stop()
    ordered = [done[p.id] for p in config.suite.prompts if p.id in done]
    report = EvalReport(
        model=str(config.server.model_path if config.server else config.model_name),
        adapter=config.server.adapter_path if config.server else None,
        suite_name=config.suite.name,
        suite_hash=suite_hash,
        results=tuple(r.result for r in ordered),
        prompt_count=len(config.suite.prompts),
        started_at=started_at,
        seconds=time.monotonic() - started,
        settings={
            **config.recorded(),
            **(_isolation_settings(isolation) if isolation else {}),
            **({"slot_warmup": warmup.recorded()} if warmup else {}),
        },
        versions={k: v for k in ("mlx", "mlx-lm", "xllamacpp", "punie") if (v := version_of(k))},
        chat_template_hash=template,
        error=error,
        adapter_proof=adapter_proof(config, {r.prompt_id: r.response for r in ordered}),
        labels=config.suite.labels(),
    )
    write_report(report, config.output_dir)
    if report.complete:
        register_baseline(config)
    return report


def _isolation_settings(isolation: Isolation) -> dict[str, object]:
    """The backend that ran model-written code, and its layers (the memory cap's kind among them)."""
    return {"isolation": isolation.backend, "isolation_layers": list(isolation.layers)}


def crashed(response: RecordedResponse, prompt: EvalPrompt) -> RecordedResponse:
    """`response` as a scored failure carrying the exception being handled (its traceback's tail)."""
    trace = traceback.format_exc()
    return replace(response, error="crashed", error_detail=f"{prompt.id}: {trace[-TRACE_LIMIT:]}")


def write_report(report: EvalReport, output_dir: Path) -> None:
    write_json_atomic(output_dir / REPORT_FILE, report.to_dict())
    write_text_atomic(output_dir / HTML_FILE, render_report_html(report))
