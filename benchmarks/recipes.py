"""Recipes against forgetting, compared at recipe level (issue 28): each trained over seeds and
scored on the held-out prompts, with the recipe interval per category and per tool.

    uv run python benchmarks/recipes.py --recipe template-sft|onpolicy-sft|dpo [--seeds 0,1,2]
        [--k 4] [--workdir DIR] [--set NAME=VALUE ...]

- `template-sft`: the demo's recipe (template-built tool calls plus replay, the demo's settings);
- `onpolicy-sft`: the base model's own answers, K per selection prompt at temperature 0.8
  (`punie dataset sample`), the ones punie's scorer passes, trained with the demo's settings;
- `dpo`: the same samples as pairs (a passing and a failing answer of one prompt), trained with
  `--method dpo` and the demo's settings;
- `sft-dpo`: template SFT (the demo's recipe and settings), then K samples per selection prompt
  from that adapter, its scorer pairs trained with `--method dpo`, starting from the SFT adapter
  (`--init-adapter`), with the base model as DPO's reference (`--dpo-reference base`, the
  default): the SFT adapter calls tools, so its pairs hold calls, which the base model's never do;
- `sft-dpo-gen`: as `sft-dpo`, but the SFT adapter answers punie's training-prompt generator
  (`dataset sample --prompts generator`: 48 requests of generator seed 100+S, writes included)
  instead of the selection half: the pairs then hold writes where the adapter sometimes makes
  them, and the suite's selection half stays unseen, so it can choose between recipes;
- `sft-onpolicy-gen`: the same SFT adapter's passing answers to those requests, trained as SFT
  from that adapter (a second, on-policy round);
- `sft-dpo-gen-ref`: as `sft-dpo-gen`, plus reference pairs (`dataset sample --reference-pairs`):
  for each generated request none of the K answers passed, its template call (checked by the
  scorer) chosen against a failing answer's first turn: pairs for the writes the adapter never
  gets right;
- `template-dpo`: the demo's template requests (each seed its own), the template's structured call
  chosen and the base model's own greedy answer rejected (skipped where it made the same calls),
  trained with `--method dpo`: pairs for every tool, writes included, which the base model's own
  samples never have (it passes no tool request at K=4).

Sampling draws only from the selection half of each category (seed S samples with seeds S*K to
S*K+K-1); every adapter is evaluated, as the demo is, on the held-out half (the llama.cpp engine
where it runs). Prints each seed's change per category, then the recipe's mean change with its
95% interval over seeds x prompts per category, and per tool on the tool-calling prompts.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.generated_prompts import generated_prompts
from punie.data.jsonl_io import write_dataset
from punie.data.samples import wanted_tool
from punie.data.sampling import SampleConfig, sample, write_splits
from punie.errors import UsageError
from punie.eval.client import ChatClient, SamplingSettings
from punie.eval.recipe_stats import recipe_effect
from punie.eval.report import RESULTS_FILE, EvalReport
from punie.eval.response import Turn
from punie.eval.run_config import EvalRunConfig
from punie.eval.runner import run_evaluation
from punie.eval.suite_load import load_suite
from punie.eval.suite_split import split_ids
from punie.experiment.demo import HELD_OUT_OF, DemoConfig, collect_demo_replay, demo_experiment, demo_splits
from punie.experiment.grid import train_cell, training_cell
from punie.experiment.run import ExperimentResult, Hooks, run_experiment
from punie.journal.recipe import recipe_effects
from punie.runtime.models import DEFAULT_MODEL, resolve_model
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.process import ServerProcess

Data = tuple[Path, dict[str, Any]]  # a seed's training data, and settings of that seed's own


GENERATED = 48  # generator requests an `sft-dpo-gen` adapter answers
SFT_STAGE: dict[int, tuple[ExperimentResult, Path]] = {}  # seed -> a two-stage recipe's SFT result, adapter


async def sampled(
    config: DemoConfig,
    k: int,
    seed: int,
    adapter: Path | None = None,
    generated: int = 0,
    reference: bool = False,
) -> Path:
    """The scored samples of the base model (or of the base with `adapter`) on the selection
    share, or on `generated` requests of the training-prompt generator, once per seed; with
    `reference`, reference pairs too (the same samples, when the plain run has them)."""
    name = ("sampled" if adapter is None else "sampled-sft") + ("-gen" if generated else "")
    out = config.workdir / (name + ("-ref" if reference else "")) / f"seed{seed}"
    if (
        reference
        and not (out / "samples").is_dir()
        and (config.workdir / name / f"seed{seed}" / "samples").is_dir()
    ):
        shutil.copytree(config.workdir / name / f"seed{seed}" / "samples", out / "samples")
    if not (out / "sample.json").is_file():
        suite = load_suite()
        settings = SamplingSettings(temperature=0.8, max_tokens=config.eval.sampling.max_tokens, seed=seed)
        server = ServerConfig(
            model_path=config.model,
            port=0,
            engine=config.eval.engine,
            adapter_path=str(adapter) if adapter else None,
        )
        requests = generated_prompts(generated, 100 + seed) if generated else ()
        sample_config = SampleConfig(
            suite,
            out,
            k=k,
            sampling=settings,
            server=server,
            generated=requests,
            from_suite=not generated,
            reference_pairs=reference,
        )
        result = await sample(sample_config)
        print(f"  sampled seed {seed}: {result.sft} SFT examples, {result.pairs} pairs", flush=True)
    return out


async def template_data(config: DemoConfig, _k: int) -> Data:
    if not config.data_dir.is_dir():
        write_dataset(config.data_dir, demo_splits(config, await collect_demo_replay(config)))
    return config.data_dir, {}


async def onpolicy_data(config: DemoConfig, k: int) -> Data:
    return await sampled(config, k, config.seed) / "sft", {}


async def pair_data(config: DemoConfig, k: int) -> Data:
    return await sampled(config, k, config.seed) / "pairs", {}


async def sft_pair_data(config: DemoConfig, k: int, generated: int = 0, reference: bool = False) -> Data:
    """Template SFT with the demo's own settings (this seed's; reported as it goes), then that
    adapter's own samples as pairs; DPO then starts from the SFT adapter (the base is its reference)."""
    demo = dataclasses.replace(config, train=DemoConfig(model=config.model, workdir=config.workdir).train)
    data, _ = await template_data(demo, k)
    sft = dataclasses.replace(demo_experiment(demo), name=f"sft-seed{config.seed}", data_dir=data)
    result = await run_experiment(sft, Hooks(step=lambda message: print(f"  sft: {message}", flush=True)))
    print(f"  sft seed {config.seed}: {result.decision}", flush=True)
    SFT_STAGE[config.seed] = (result, sft.adapter_dir)
    out = await sampled(
        config, k, config.seed, adapter=sft.adapter_dir, generated=generated, reference=reference
    )
    pairs = out / "pairs"
    return pairs, {"init_adapter": str(sft.adapter_dir)}


async def sft_generated_pair_data(config: DemoConfig, k: int) -> Data:
    return await sft_pair_data(config, k, GENERATED)


async def sft_reference_pair_data(config: DemoConfig, k: int) -> Data:
    return await sft_pair_data(config, k, GENERATED, reference=True)


async def sft_generated_sft_data(config: DemoConfig, k: int) -> Data:
    """A second, on-policy SFT round: the SFT adapter's own passing answers to the generated
    requests (the same samples as `sft-dpo-gen`'s pairs), trained from that adapter."""
    pairs, own = await sft_pair_data(config, k, GENERATED)
    return pairs.parent / "sft", own


def first_call(messages: list[dict[str, Any]]) -> int | None:
    """Pure: the index of the first message that calls a tool (None: none does)."""
    return next((i for i, m in enumerate(messages) if m.get("tool_calls")), None)


def call_pair(row: dict[str, Any], at: int, turn: Turn) -> dict[str, Any] | None:
    """Pure: a template example's request (its messages before `at`, the first call) with its
    structured call chosen and the model's own answer rejected (None when the model made the same
    calls: nothing to prefer)."""
    messages = row["messages"]
    wanted = [(c["function"]["name"], c["function"]["arguments"]) for c in messages[at]["tool_calls"]]
    made = [(call.name, call.arguments) for call in turn.parsed().calls]
    if made == wanted:
        return None
    return {
        "prompt": messages[:at],
        "chosen": [messages[at]],
        "rejected": [turn.message()],
        "tools": row["tools"],
    }


async def template_pair_data(config: DemoConfig, _k: int) -> Data:
    """The demo's template requests (each seed its own), the template's call chosen, the base
    model's own greedy answer rejected: pairs that cover every tool, writes included."""
    out = config.workdir / "template-pairs" / f"seed{config.seed}"
    if (out / "train.jsonl").is_file():
        return out, {}
    rows = generate_tool_calling(config.examples, seed=config.seed, whole_share=config.whole_share)
    server_config = ServerConfig(model_path=config.model, port=0, engine=config.eval.engine)
    async with ServerProcess(server_config) as server:
        client = ChatClient(
            server.endpoint(), SERVED_MODEL_NAME, SamplingSettings(temperature=0.0, max_tokens=96)
        )
        gate = asyncio.Semaphore(16)

        async def answer(http: httpx.AsyncClient, row: dict[str, Any]) -> dict[str, Any] | None:
            at = first_call(row["messages"])
            if at is None:
                return None
            async with gate:
                turn = await client.complete(http, row["messages"][:at], row["tools"])
            return call_pair(row, at, turn)

        async with httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=10.0)) as http:
            pairs = [p for p in await asyncio.gather(*(answer(http, r) for r in rows)) if p is not None]
    unique = list({json.dumps(p["prompt"], sort_keys=True): p for p in pairs}.values())
    write_splits(out, unique)
    print(f"  template pairs seed {config.seed}: {len(unique)} (of {len(rows)} examples)", flush=True)
    return out, {}


RECIPES: dict[str, tuple[Callable[[DemoConfig, int], Awaitable[Data]], dict[str, Any]]] = {
    "template-sft": (template_data, {}),
    "onpolicy-sft": (onpolicy_data, {}),
    "dpo": (pair_data, {"method": "dpo"}),
    "template-dpo": (template_pair_data, {"method": "dpo"}),
    "sft-dpo": (sft_pair_data, {"method": "dpo"}),
    "sft-dpo-gen": (sft_generated_pair_data, {"method": "dpo"}),
    "sft-onpolicy-gen": (sft_generated_sft_data, {}),
    "sft-dpo-gen-ref": (sft_reference_pair_data, {"method": "dpo"}),
}


async def on_selection(config: DemoConfig, adapter: Path | None, out: Path) -> EvalReport:
    """`adapter` (None: the base) scored on the selection half, as the held-out half is scored."""
    suite = load_suite()
    chosen = split_ids(((p.id, p.category) for p in suite.prompts), HELD_OUT_OF).selection
    server = ServerConfig(
        model_path=config.model,
        port=0,
        adapter_path=str(adapter) if adapter else None,
        engine=config.eval.engine,
    )
    run = EvalRunConfig(
        dataclasses.replace(suite, prompts=tuple(p for p in suite.prompts if p.id in chosen)),
        out,
        settings=config.eval,
        server=server,
        resume=(out / RESULTS_FILE).is_file(),
    )
    return await run_evaluation(run)


def effects(title: str, base: EvalReport, adapters: Sequence[EvalReport]) -> None:
    print(title)
    for effect in recipe_effects(base, adapters):
        print(f"  {effect.category:16} {effect.text()}")


def per_tool(base: EvalReport, adapters: Sequence[EvalReport]) -> list[str]:
    """Each tool's recipe effect over the tool-calling prompts that want it."""
    suite = {p.id: p for p in load_suite().prompts}
    tools: dict[str, set[str]] = {}
    for result in base.results:
        if result.category == "tool_calling":
            tools.setdefault(wanted_tool(suite[result.id]), set()).add(result.id)
    lines = []
    for tool, ids in sorted(tools.items()):
        before = {i: ok for i, ok in base.passes("tool_calling").items() if i in ids}
        after = [{i: ok for i, ok in a.passes("tool_calling").items() if i in ids} for a in adapters]
        lines.append(f"  {tool:16} {recipe_effect(tool, before, after).text()}")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipe", choices=tuple(RECIPES), required=True)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--k", type=int, default=4, help="samples per selection prompt")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE, a training setting")
    parser.add_argument(
        "--selection", action="store_true", help="also score the base and every adapter on the selection half"
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix=f"punie-recipe-{args.recipe}-"))
    data_for, settings = RECIPES[args.recipe]
    try:
        cell = training_cell(args.set)
    except UsageError as error:
        parser.error(str(error).replace("--vary", "--set"))
    base = DemoConfig(model=DEFAULT_MODEL, workdir=workdir, held_out_of=HELD_OUT_OF)
    # the recipe's own settings by field name (an unknown one is an error, never dropped), then --set
    train = train_cell(dataclasses.replace(base.train, **settings), cell)
    base = dataclasses.replace(base, train=train)
    resolve_model(base.model, "train")
    hooks = Hooks(step=lambda message: print(f"  {message}", flush=True))
    print(f"recipe {args.recipe}, settings {base.train.changed()}, workdir {workdir}", flush=True)
    results: list[ExperimentResult] = []
    weights: list[Path] = []  # each seed's trained adapter
    for seed in (int(s) for s in args.seeds.split(",")):
        config = dataclasses.replace(base, seed=seed)
        started = time.monotonic()
        data, own = await data_for(config, args.k)
        config = dataclasses.replace(config, train=dataclasses.replace(config.train, **own))
        experiment = dataclasses.replace(
            demo_experiment(config), name=f"{args.recipe}-seed{seed}", data_dir=data
        )
        result = await run_experiment(experiment, hooks)
        print(f"seed {seed} ({time.monotonic() - started:.0f} s): {result.decision}", flush=True)
        results.append(result)
        weights.append(experiment.adapter_dir)
    adapters = [r.adapter for r in results]
    mean = 100 * sum(a.overall_score for a in adapters) / len(adapters)
    base_score = 100 * results[0].base.overall_score
    stages = [SFT_STAGE[s][0].adapter for s in sorted(SFT_STAGE)]
    if stages:
        effects(f"its SFT stage, seeds {args.seeds}, held-out:", results[0].base, stages)
        print("\n".join(per_tool(results[0].base, stages)))
    effects(
        f"recipe {args.recipe}, seeds {args.seeds}, held-out: base {base_score:.1f}%, adapters {mean:.1f}%",
        results[0].base,
        adapters,
    )
    print("per tool (tool-calling prompts):")
    print("\n".join(per_tool(results[0].base, adapters)))
    if args.selection:
        base_sel = await on_selection(base, None, workdir / "selection" / "base")
        sft_weights = [SFT_STAGE[s][1] for s in sorted(SFT_STAGE)]
        stages_and_recipe = (
            ("its SFT stage", "sft-stage", sft_weights),
            (f"recipe {args.recipe}", args.recipe, weights),
        )
        for label, key, runs in stages_and_recipe:
            if runs:  # each adapter's own directory: a rerun resumes it, another recipe never reads it
                scored = [
                    await on_selection(base, path, workdir / "selection" / f"{key}-run{i}")
                    for i, path in enumerate(runs)
                ]
                effects(
                    f"{label}, selection half (base {100 * base_sel.overall_score:.1f}%):", base_sel, scored
                )


if __name__ == "__main__":
    asyncio.run(main())
