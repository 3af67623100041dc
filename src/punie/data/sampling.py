"""`punie dataset sample`'s shell: K answers per prompt from a model, each scored by punie's own
scorer, written as on-policy SFT data, preference pairs and pass@K (the pure parts are in
`punie.data.samples`).

Each of the K samples is one evaluation of the prompts with its own sampling seed
(`samples/seedI/results.jsonl`, resumable like any evaluation); the K evaluations run at once
against one server, so the K answers to a prompt are in flight together and the server batches
them. Prompts come from the *selection* share of the suite (the prompts that choose settings, by
the same split as `experiment grid --select-share` and the demo), never from the held-out share
that scores the result, unless overlap is explicitly allowed (and then recorded in the output).
They may also (or only) come from punie's training-prompt generator (`punie.data.generated_prompts`):
requests the model is trained on, checked against every prompt of the suite like any training
data (`dataset lint --suite`'s overlap check), and refused where they overlap.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from punie.data.contamination import Overlap, find_overlaps
from punie.data.formats import SAMPLE_SUMMARY, SAMPLED_EXAMPLES, SAMPLED_PAIRS
from punie.data.generated_prompts import with_generated
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from punie.data.samples import (
    PassRates,
    Sample,
    pass_rates,
    preference_pairs,
    reference_pairs,
    sft_examples,
    wanted_tool,
)
from punie.errors import UsageError
from punie.eval.client import ChatClient, SamplingSettings
from punie.eval.report import RESULTS_FILE, EvalReport
from punie.eval.results_log import read_results
from punie.eval.run_config import EvalRunConfig, EvalSettings
from punie.eval.runner import run_evaluation
from punie.eval.score import EvalResult
from punie.eval.slot_warmup import warm_server
from punie.eval.suite import EvalPrompt, EvalSuite
from punie.eval.suite_split import split_ids
from punie.runtime.atomic import write_json_atomic
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.endpoint import Endpoint
from punie.serve.process import ServerProcess


@dataclass(frozen=True)
class SampleConfig:
    suite: EvalSuite
    output: Path
    k: int = 4
    sampling: SamplingSettings = field(default_factory=lambda: SamplingSettings(temperature=0.8))
    server: ServerConfig | None = None  # the managed server (model, adapter, engine)
    endpoint: Endpoint | None = None  # or any OpenAI-compatible one (a teacher), with its key
    model_name: str = SERVED_MODEL_NAME
    select_share: float = 0.5  # sample from this share of each category (the selection split)
    allow_overlap: bool = False  # sample from every prompt, the held-out ones included
    concurrency: int = 16  # prompts in flight per sample
    generated: tuple[EvalPrompt, ...] = ()  # the generator's requests, sampled besides the suite's
    from_suite: bool = True  # False: only `generated` (the suite then only scores the result)
    reference_pairs: bool = False  # also pair a never-passed prompt's reference call with a failure

    def __post_init__(self) -> None:
        if self.k < 1:
            raise UsageError(f"--k must be at least 1, got {self.k}")
        if self.sampling.temperature <= 0 and self.k > 1:
            raise UsageError(
                "--temperature 0 gives the same answer K times: sample with a temperature above 0"
            )
        if (self.server is None) == (self.endpoint is None):
            raise UsageError("sample from a managed model or from --base-url, not both")
        if not self.from_suite and not self.generated:
            raise UsageError("no prompt to sample: ask for the suite's prompts, generated ones, or both")

    def prompts(self) -> EvalSuite:
        """The prompts sampled: the selection share of each category (every prompt when overlap
        is allowed) unless only generated prompts are asked for, then the generated ones."""
        if not self.from_suite:
            own: tuple[EvalPrompt, ...] = ()
        elif self.allow_overlap:
            own = self.suite.prompts
        else:
            split = split_ids(((p.id, p.category) for p in self.suite.prompts), self.select_share)
            own = tuple(p for p in self.suite.prompts if p.id in split.selection)
        kept = dataclasses.replace(self.suite, prompts=own)
        return with_generated(kept, self.generated) if self.generated else kept

    def overlaps(self) -> list[Overlap]:
        """Generated requests whose text meets one of the suite's prompts (those that choose
        settings or score the result): the check `dataset lint --suite` makes of training data."""
        requests = (("generated", i + 1, {"prompt": p.prompt_text}) for i, p in enumerate(self.generated))
        return find_overlaps(requests, self.suite.prompts)


@dataclass(frozen=True)
class SampleResult:
    prompts: int
    samples: int
    sft: int
    pairs: int
    rates: tuple[PassRates, ...]
    tools: tuple[PassRates, ...]  # the tool-calling prompts' rates per tool they are about
    output: Path
    scored: tuple[Sample, ...] = ()  # every answer with its verdict (GRPO's groups read them)


def _samples(directory: Path, results: tuple[EvalResult, ...]) -> list[Sample]:
    verdicts = {r.id: r for r in results}
    out = []
    for recorded in read_results(directory / RESULTS_FILE):
        result = verdicts.get(recorded.prompt_id)
        if result is not None:
            out.append(Sample(recorded.prompt_id, result.passed, recorded.response, result.failure))
    return out


async def sample(config: SampleConfig, on_result: Callable[[EvalResult], None] | None = None) -> SampleResult:
    overlaps = config.overlaps()
    if overlaps and not config.allow_overlap:
        shown = "; ".join(f"{o.line}: {o.prompt_id} ({o.how})" for o in overlaps[:5])
        raise UsageError(
            f"{len(overlaps)} generated prompt(s) overlap the suite's prompts (which choose settings or "
            f"score the result): {shown} "
            "(--allow-overlap samples them anyway, and records it)"
        )
    suite = config.prompts()
    if not suite.prompts:
        raise UsageError("no prompt to sample: the suite's selection share is empty (use more prompts)")
    server = ServerProcess(config.server, log_path=config.output / "server.log") if config.server else None
    if server is not None:
        await server.start(timeout=180.0)
    try:
        endpoint = server.endpoint(config.concurrency) if server else config.endpoint
        assert endpoint is not None
        if server is not None:  # the prompts' shared opening, computed once for every slot
            async with httpx.AsyncClient(timeout=httpx.Timeout(None, connect=10.0)) as http:
                client = ChatClient(endpoint, config.model_name, config.sampling)
                await warm_server(http, server, client, suite.prompts)

        async def one(index: int) -> EvalReport:
            out = config.output / "samples" / f"seed{index}"
            # sampling seed S draws seeds S*K .. S*K+K-1: replicates with other seeds draw other answers
            seed = (config.sampling.seed or 0) * config.k + index
            settings = EvalSettings(
                dataclasses.replace(config.sampling, seed=seed), concurrency=config.concurrency
            )
            run = EvalRunConfig(
                suite,
                out,
                settings,
                manage_server=False,
                endpoints=(dataclasses.replace(endpoint, concurrency=config.concurrency),),
                model_name=config.model_name,
                resume=(out / RESULTS_FILE).is_file(),
            )
            return await run_evaluation(run, on_result)

        reports = await asyncio.gather(*(one(i) for i in range(config.k)))
    finally:
        if server is not None:
            await server.stop()
    samples = [
        s
        for i, report in enumerate(reports)
        for s in _samples(config.output / "samples" / f"seed{i}", report.results)
    ]
    prompts = {p.id: p for p in suite.prompts}
    sft, pairs = sft_examples(prompts, samples), preference_pairs(prompts, samples)
    if config.reference_pairs:
        pairs += reference_pairs(prompts, samples)
    write_splits(config.output / SAMPLED_EXAMPLES, sft)
    write_splits(config.output / SAMPLED_PAIRS, pairs)
    rates = tuple(pass_rates(prompts, samples, config.k))
    tools = tuple(pass_rates(prompts, samples, config.k, wanted_tool))
    result = SampleResult(
        len(suite.prompts), len(samples), len(sft), len(pairs), rates, tools, config.output, tuple(samples)
    )
    write_json_atomic(config.output / SAMPLE_SUMMARY, _summary(config, result, server, overlaps))
    return result


VALID_SHARE = 0.1
MIN_VALID = 2


def write_splits(directory: Path, rows: list[dict[str, object]]) -> None:
    """train/valid splits when there are enough rows, else train alone (nothing when none);
    derived from the samples, so a resumed run writes them afresh. From 10 rows on, validation
    keeps at least 2, so that training at batch size 2 (the demo's) can validate."""
    shutil.rmtree(directory, ignore_errors=True)
    if not rows:
        return
    share = max(VALID_SHARE, MIN_VALID / len(rows)) if len(rows) >= 10 else VALID_SHARE
    splits = split_examples(rows, valid=share, test=0.0, seed=0) if len(rows) >= 2 else {"train": rows}
    write_dataset(directory, {k: v for k, v in splits.items() if v})


def _summary(
    config: SampleConfig, result: SampleResult, server: ServerProcess | None, overlaps: list[Overlap]
) -> dict[str, object]:
    """What sample.json records: which model wrote the data, how, from which prompts."""
    writer = (
        {
            "model": config.server.model_path,
            "adapter": config.server.adapter_path,
            "engine": server.engine.name,
        }
        if config.server is not None and server is not None
        else {"base_url": config.endpoint.base_url if config.endpoint else None, "model": config.model_name}
    )
    return {
        "written_by": writer,
        "suite": config.suite.name,
        "suite_hash": config.suite.suite_hash(),
        "prompts": _prompt_source(config),
        "generated_prompts": len(config.generated),
        "overlapping_prompts": [str(o) for o in overlaps],
        "k": config.k,
        "sampling": dataclasses.asdict(config.sampling),
        "samples": result.samples,
        "sft_examples": result.sft,
        "preference_pairs": result.pairs,
        "reference_pairs": config.reference_pairs,
        "pass_rates": [dataclasses.asdict(r) for r in result.rates],
        "pass_rates_by_tool": [dataclasses.asdict(r) for r in result.tools],
    }


def _prompt_source(config: SampleConfig) -> str:
    own = (
        "every prompt (--allow-overlap)"
        if config.allow_overlap
        else f"selection share {config.select_share:g}"
    )
    if not config.generated:
        return own
    generated = f"{len(config.generated)} generated"
    return f"{own} + {generated}" if config.from_suite else generated
