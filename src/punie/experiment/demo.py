"""`punie demo`: the whole loop on the embedded model, sized for a 2-core CPU in about 15 minutes.

Stages (each skipped when already done, so Ctrl-C and a rerun resume): prepare the model, generate
a tool-calling dataset with replay answers of the base model mixed in, benchmark training speed
(journal: "Benchmark: Training Speed"), then the recipe over 3 seeds (`experiment run` per seed on
the prompts held out from the choice of its settings), and one decision about the recipe.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from punie.data.replay import collect_replay, mix_replay
from punie.eval.client import SamplingSettings
from punie.eval.run_config import EvalSettings
from punie.experiment.plan import ExperimentConfig, TrainSettings, training_settings
from punie.experiment.recipe import RecipeResult, conclude_recipe
from punie.experiment.run import ExperimentResult, Hooks, run_experiment
from punie.journal.entries import benchmark_entry
from punie.journal.ledger import ledger_path, read_entries
from punie.journal.render import record
from punie.runtime.models import resolve_model
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.process import ServerProcess
from punie.train.benchmark import BenchmarkResult, run_training_benchmark

BENCHMARK_STEP = "Benchmark: Training Speed"
DEMO_SEEDS = 3  # a claim about the recipe needs replicates (issue 27): the fewest that give one
HELD_OUT_OF = 0.5  # the selection share of each category that chose the demo's settings
DEMO_TRADE = (
    "settings: 20 iterations, chosen by the grid's rule (best overall score on the selection half); "
    "30 taught more calls there (+13.9 against +2.8 points) but took 15.8 min over 3 seeds, past the "
    "demo's 15 (docs/demo-grid.md)"
)
# Only what a short run on 2 cores must change from punie's one set of training settings: smaller
# batches and sequences, a short validation, completions-only loss (mask_prompt), which keeps the
# adapter from forgetting how to answer without tools, a learning rate of 2e-4, and 20 iterations:
# the grid's own rule (best mean overall score on the selection half of the suite, over seeds 0-2)
# chose them over 30 (docs/demo-grid.md, fifth round). 30 taught more calls on that half but does
# not fit the demo's 15 minutes on 2 cores over 3 seeds (15.8 min measured); DEMO_TRADE says so.
DEMO_TRAINING = training_settings(
    20, batch_size=2, max_seq_length=768, val_batches=2, mask_prompt=True, learning_rate=2e-4
)


@dataclass(frozen=True)
class DemoConfig:
    model: str
    workdir: Path = Path(".")
    examples: int = 160
    bench_iters: int = 4
    train: TrainSettings = DEMO_TRAINING
    # The whole built-in suite (24 tool-calling, 12 code, 24 reasoning prompts): fewer cannot show
    # a change as significant (paired exact test).
    eval: EvalSettings = dataclasses.field(
        default_factory=lambda: EvalSettings(SamplingSettings(max_tokens=96, seed=0))
    )
    per_category: int | None = None  # the demo's suite: the built-in one, whole
    # Its settings were chosen on this selection share of each category (benchmarks/demo_seeds.py
    # --select-share, docs/demo-grid.md): it reports only on the held-out rest.
    held_out_of: float | None = HELD_OUT_OF
    replay: float = 0.3  # replay examples per tool-calling example (punie.data.replay)
    whole_share: float = 0.5  # tool requests that also give their whole trajectory
    replay_max_tokens: int = 160
    seed: int = 0  # the generated examples, the replay mix, the validation split and training
    force: bool = False
    device: str = "auto"

    @property
    def name(self) -> str:
        """The experiment's and dataset's name: each seed has its own."""
        return "demo-tool-calling" if self.seed == 0 else f"demo-tool-calling-seed{self.seed}"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data" / self.name

    @property
    def journal(self) -> Path:
        return self.workdir / "JOURNAL.md"


async def collect_demo_replay(config: DemoConfig) -> list[dict[str, object]]:
    """The base model's own answers to the replay requests, through a managed server (greedy, so
    the same for every seed)."""
    async with ServerProcess(ServerConfig(model_path=config.model, port=0, device=config.device)) as server:
        return await collect_replay(server.endpoint(), SERVED_MODEL_NAME, max_tokens=config.replay_max_tokens)


def demo_splits(config: DemoConfig, answers: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    """Pure: the demo's train/valid splits for `config.seed` from the base model's replay answers."""
    rows = generate_tool_calling(config.examples, seed=config.seed, whole_share=config.whole_share)
    if config.replay:
        rows = mix_replay(rows, answers, config.replay, seed=config.seed)
    splits = split_examples(rows, valid=0.1, test=0.0, seed=config.seed)
    return {k: v for k, v in splits.items() if v}


async def make_dataset(
    config: DemoConfig, hooks: Hooks, answers: list[dict[str, object]] | None = None
) -> bool:
    """Generate the demo dataset once (False when it is already there): the tool-calling examples,
    plus the base model's own answers to general, code and reasoning requests at `replay` per
    example, so the adapter keeps answering code and questions (self-distillation). `answers`:
    replay answers already collected (the same for every seed), else they are collected here."""
    directory = config.data_dir
    if (directory / "train.jsonl").is_file():
        return False
    if answers is None:
        answers = await collect_demo_replay(config) if config.replay else []
        hooks.step(f"replay: kept {len(answers)} complete answers of the base model")
    write_dataset(directory, demo_splits(config, answers))
    return True


def demo_experiment(config: DemoConfig) -> ExperimentConfig:
    """The demo's one experiment: its data, its settings (trained with the demo's seed)."""
    return ExperimentConfig(
        name=config.name,
        data_dir=config.data_dir,
        model=config.model,
        runs_dir=config.workdir / "runs",
        journal=config.journal,
        training=dataclasses.replace(config.train, seed=config.seed),
        eval=config.eval,
        per_category=config.per_category,
        held_out_of=config.held_out_of,
        force=config.force,
        device=config.device,
    )


async def benchmark_once(config: DemoConfig, hooks: Hooks) -> BenchmarkResult | None:
    """Run the training-speed benchmark unless the journal already has it."""
    ledger = ledger_path(config.journal)
    if not config.force and any(e.kind == "benchmark" for e in read_entries(ledger)):
        hooks.step("training-speed benchmark already in the journal")
        return None
    result = await run_training_benchmark(
        config.model,
        config.bench_iters,
        settings=config.train,
        data_dir=config.data_dir,
        device=config.device,
        on_event=hooks.on_train_event,
        progress=hooks.step,
    )
    record(config.journal, benchmark_entry(result, BENCHMARK_STEP))
    return result


async def run_demo(config: DemoConfig, hooks: Hooks, bench_hooks: Hooks | None = None) -> ExperimentResult:
    hooks.step(f"preparing {config.model}")
    resolve_model(config.model, "train", progress=hooks.step)
    if await make_dataset(config, hooks):
        hooks.step(f"generated {config.examples} tool-calling examples in {config.data_dir}")
    result = await benchmark_once(config, bench_hooks or hooks)
    if result is not None and result.speed_band is not None:
        hooks.step(
            f"benchmark: {result.seconds_per_iter:.2f} s/iter, speed band {result.speed_band.decision}"
        )
    experiment = demo_experiment(config)
    return await run_experiment(experiment, hooks)


DemoStage = Callable[[DemoConfig, Hooks, Hooks | None], Coroutine[Any, Any, ExperimentResult]]


async def run_demo_recipe(
    config: DemoConfig,
    seeds: Sequence[int],
    hooks_for: Callable[[ExperimentConfig], AbstractContextManager[Hooks]],
    bench_hooks: Hooks | None = None,
    stage: DemoStage = run_demo,
    final: Callable[[DemoConfig], ExperimentConfig] = demo_experiment,
) -> RecipeResult:
    """The demo's recipe over `seeds`: each seed generates its own data and trains its own adapter
    (an ordinary demo run, resumable; `stage` may add stages after it, and `final` is the
    experiment whose adapter a seed ends with), the base is evaluated once, then one recipe
    decision."""
    replicates = [dataclasses.replace(config, seed=seed) for seed in seeds]
    missing = [one for one in replicates if not (one.data_dir / "train.jsonl").is_file()]
    if missing:  # the base's replay answers are collected once for every seed's dataset
        with hooks_for(demo_experiment(replicates[0])) as hooks:
            hooks.step(f"preparing {config.model}")
            resolve_model(config.model, "train", progress=hooks.step)
            answers = await collect_demo_replay(config) if config.replay else []
            for one in missing:
                await make_dataset(one, hooks, answers)
    runs = []
    for one in replicates:
        with hooks_for(final(one)) as hooks:
            runs.append(await stage(one, hooks, bench_hooks))
    last = final(config)
    training = dataclasses.replace(last.training, init_adapter=None)  # each seed's own
    recipe = dataclasses.replace(
        last, name=f"{last.name}-recipe", data_dir=config.workdir / "data", training=training
    )
    return conclude_recipe(recipe, seeds, runs)
