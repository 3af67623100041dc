"""The experiment loop. Each stage records itself in `experiment.json` when it finishes, so an
interrupted experiment resumes at the stage it was in and a finished one is a no-op."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.data.contamination import Overlap, dataset_overlaps
from punie.data.jsonl_io import dataset_hash
from punie.errors import PunieError, UsageError
from punie.eval.baseline import baseline_key, baseline_lock, find_baseline
from punie.eval.report import EvalReport, load_report
from punie.eval.run_config import EvalRunConfig
from punie.eval.runner import run_evaluation
from punie.eval.score import EvalResult
from punie.eval.suite import first_per_category
from punie.eval.suite_load import load_suite
from punie.eval.suite_split import held_out_suite
from punie.experiment.plan import ExperimentConfig, done, mark, read_state
from punie.experiment.reuse import Trained, adapter_key, copy_trained, find_trained, remember_trained
from punie.journal.compare import Decision, column_of, compare_runs
from punie.journal.compare_html import render_compare_html
from punie.journal.entries import eval_entry, eval_results, eval_row, train_entry
from punie.journal.ledger import ledger_path, read_entries
from punie.journal.render import record
from punie.runtime.atomic import write_text_atomic
from punie.runtime.file_lock import exclusive_lock
from punie.runtime.models import resolve_model
from punie.serve.config import ServerConfig
from punie.train.checkpoints import latest_checkpoint
from punie.train.launch import Launch, check_batches
from punie.train.lora_config import METRICS_FILE, LoRAConfig
from punie.train.runner import TrainingRun, check_dataset, read_run_record, run_training, split_sizes_problem

Say = Callable[[str], None]


@dataclass(frozen=True)
class Hooks:
    """How the loop reports progress (the CLI passes its UI; tests pass lists)."""

    step: Say
    on_train_event: Callable[[dict[str, Any]], None] | None = None
    on_eval_result: Callable[[EvalResult], None] | None = None
    eval_started: Callable[[str, int], None] | None = None
    finished: Callable[[ExperimentResult], None] | None = None  # the result, before it returns


@dataclass(frozen=True)
class ExperimentResult:
    base: EvalReport
    adapter: EvalReport
    decision: Decision
    compare_html: Path
    journal: Path
    base_dir: Path
    adapter_dir: Path
    skipped: bool = False

    @property
    def base_html(self) -> Path:
        return self.base_dir / "report.html"

    @property
    def adapter_html(self) -> Path:
        return self.adapter_dir / "report.html"


def _overlaps(config: ExperimentConfig) -> list[Overlap]:
    """Training examples that overlap the prompts this experiment evaluates (with `held_out_of`,
    only the held-out ones: data drawn from the selection share, as `punie dataset sample`
    draws it, scores nothing): stop with the list, unless the user allowed it (the journal then
    says how many)."""
    suite = first_per_category(load_suite(config.suite), config.per_category)
    if config.held_out_of is not None:
        suite = held_out_suite(suite, config.held_out_of)
    prompts = suite.prompts
    overlaps = dataset_overlaps(config.data_dir, prompts)
    if overlaps and not config.allow_overlap:
        shown = "\n".join(str(o) for o in overlaps[:10])
        more = f"\n... and {len(overlaps) - 10} more" if len(overlaps) > 10 else ""
        raise UsageError(
            f"{len(overlaps)} training example(s) overlap the eval suite {config.suite}, so a pass may be "
            f"memorised:\n{shown}{more}\nremove them (punie dataset lint lists them) or pass --allow-overlap "
            "(the journal records it)"
        )
    return overlaps


def _validate(config: ExperimentConfig, model_dir: Path, max_seq_length: int) -> str:
    check_dataset(config.data_dir, model_dir, max_seq_length)
    return dataset_hash(config.data_dir)


def _eval_config(
    config: ExperimentConfig, output: Path, adapter: Path | None, baseline: Path | None
) -> EvalRunConfig:
    suite = first_per_category(load_suite(config.suite), config.per_category)
    if config.held_out_of is not None:
        suite = held_out_suite(suite, config.held_out_of)
    return EvalRunConfig(
        suite=suite,
        output_dir=output,
        settings=config.eval,
        server=ServerConfig(
            model_path=config.model,
            port=0,
            adapter_path=str(adapter) if adapter else None,
            device=config.device,
            engine=config.eval.engine,
        ),
        resume=(output / "results.jsonl").is_file(),
        baseline=baseline,
        extra={} if config.held_out_of is None else {"held_out_of": f"{config.held_out_of:g}"},
    )


async def _evaluate(eval_config: EvalRunConfig, label: str, hooks: Hooks) -> EvalReport:
    if hooks.eval_started is not None:
        hooks.eval_started(label, len(eval_config.suite.prompts))
    report = await run_evaluation(eval_config, hooks.on_eval_result, notice=hooks.step)
    if report.error or not report.complete:
        why = report.error or report.incomplete_summary()
        raise PunieError(
            f"{label} evaluation incomplete ({why}): no decision is made on it; partial results kept in "
            f"{eval_config.output_dir}, rerun the same command to retry just those prompts"
        )
    return report


async def _base_eval(config: ExperimentConfig, hooks: Hooks) -> tuple[Path, EvalReport]:
    """The base model's evaluation with these settings: the cached one (another experiment's),
    else a new one. Its directory and its report."""
    probe = _eval_config(config, config.runs_dir / "_base" / "probe", None, None)
    key = baseline_key(config.model, probe.suite.suite_hash(), probe.recorded())
    waiting = "another run is evaluating the base model with these settings: waiting to reuse it"
    with exclusive_lock(baseline_lock(key), lambda: hooks.step(waiting)):  # one evaluation, shared
        cached = find_baseline(key)
        if cached is not None and (report := load_report(cached)).complete:
            hooks.step(f"base model already evaluated with these settings: {cached}")
            return cached, report
        output = config.base_eval_dir(key)
        report = await _evaluate(
            dataclasses.replace(probe, output_dir=output, resume=(output / "results.jsonl").is_file()),
            "base model",
            hooks,
        )
    return output, report


def _adapter_eval_key(config: ExperimentConfig, adapter_eval: EvalRunConfig) -> str:
    """What makes two evaluations of one adapter the same work (suite, eval settings, engine)."""
    return baseline_key(config.model, adapter_eval.suite.suite_hash(), adapter_eval.recorded())


def _lora(config: ExperimentConfig) -> LoRAConfig:
    """The training settings, checked (every number range) before anything else runs."""
    return LoRAConfig.of(
        config.training,
        data_dir=config.data_dir,
        adapter_dir=config.adapter_dir,
        model=config.model,
        device=config.device,
    )


async def _train(lora: LoRAConfig, hooks: Hooks, launch: Launch) -> TrainingRun | None:
    """Train, or continue an interrupted training up to its total (--iters) from its newest
    complete checkpoint; a training that saved nothing starts over."""
    point = latest_checkpoint(lora.adapter_dir)
    if point is not None and point.iteration >= lora.iters:
        hooks.step(f"training already reached iteration {point.iteration} ({point.path.name})")
        return None
    if point is not None:
        hooks.step(f"resuming the interrupted training at iteration {point.iteration} of {lora.iters}")
    elif lora.adapter_dir.exists():
        shutil.rmtree(lora.adapter_dir)  # started but saved nothing: start over
    return await run_training(
        lora, resume=point is not None, on_event=hooks.on_train_event, progress=hooks.step, launch=launch
    )


def _base_recorded(journal: Path, step: str) -> bool:
    return any(e.row is not None and e.row.step == step for e in read_entries(ledger_path(journal)))


def _record(
    config: ExperimentConfig,
    base_dir: Path,
    base: EvalReport,
    adapter: EvalReport,
    decision: Decision,
    data_hash: str,
    run_record: dict[str, Any] | None,
    overlaps_allowed: int = 0,
) -> None:
    """The journal's entries for this experiment; `run_record` is the training's run.json (None:
    the adapter has none)."""
    base_step = f"Baseline: {config.model}"
    if not _base_recorded(config.journal, base_step):
        record(config.journal, eval_entry(base, base_dir, base_step))
    if run_record is not None:
        record(config.journal, train_entry(f"{config.name} (training)", config.adapter_dir, run_record))
    proof = adapter.adapter_proof
    proof_text = (
        f"adapter proof {proof.changed}/{proof.compared} responses changed" if proof else "no adapter proof"
    )
    entry = eval_entry(adapter, config.adapter_eval_dir, config.name, str(config.data_dir), data_hash)
    contamination = (
        f"--allow-overlap: {overlaps_allowed} training example(s) overlap the eval prompts; "
        "their passes may be memorised"
        if overlaps_allowed
        else "no training example overlaps the eval prompts"
    )
    record(
        config.journal,
        dataclasses.replace(
            entry,
            kind="experiment",
            title=f"Experiment: {config.name}",
            goal=f"Does an adapter trained on {config.data_dir} help {config.model}, and at what cost?",
            did=(
                f"validated {config.data_dir} (sha256 {data_hash[:16]})",
                f"trained {config.adapter_dir} with {config.training.changed() or 'the default settings'}",
                f"evaluated base and adapter on suite {adapter.suite_name}",
            ),
            results=(*eval_results(adapter), contamination),
            decision=f"{decision.text()}; {proof_text}",
            next_steps=("Inspect the comparison page for per-prompt changes.",),
            row=eval_row(
                adapter,
                config.name,
                str(config.data_dir),
                notes=f"{decision.outcome} ({decision.claim}): {decision.detail}"
                + (f"; OVERLAP ALLOWED ({overlaps_allowed})" if overlaps_allowed else ""),
            ),
            repro={
                **entry.repro,
                "compare_html": str(config.compare_html),
                "metrics": str(config.adapter_dir / METRICS_FILE),
            },
        ),
    )


async def run_experiment(config: ExperimentConfig, hooks: Hooks) -> ExperimentResult:
    root = config.root
    lora = _lora(config)  # bad numbers stop here, before the model loads or the base evaluation
    check_batches(config.launch, lora.batch_size)
    if not (config.force or done(read_state(root), "recorded")):
        sizes = split_sizes_problem(config.data_dir, lora.batch_size, lora.val_batches != 0)
        if sizes:
            raise UsageError(sizes)
    if config.force and root.exists():
        shutil.rmtree(root)
    created = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    try:
        result = await _run_stages(config, lora, hooks)
    except BaseException:
        if created and not read_state(root)["stages"]:
            shutil.rmtree(root, ignore_errors=True)  # a run that finished no stage leaves nothing
        raise
    if hooks.finished is not None:
        hooks.finished(result)
    return result


def _finished(config: ExperimentConfig, facts: dict[str, Any]) -> ExperimentResult:
    """A step an earlier invocation finished: what it recorded."""
    base_dir = Path(facts["base_eval"]["dir"])
    return ExperimentResult(
        load_report(base_dir),
        load_report(config.adapter_eval_dir),
        Decision(facts["compared"]["decision"], facts["compared"]["detail"]),
        config.compare_html,
        config.journal,
        base_dir,
        config.adapter_eval_dir,
        skipped=True,
    )


async def _run_stages(config: ExperimentConfig, lora: LoRAConfig, hooks: Hooks) -> ExperimentResult:
    root = config.root
    state = read_state(root)
    if done(state, "recorded"):
        return _finished(config, state["stages"])
    model_dir = resolve_model(config.model, "train", progress=hooks.step).path
    if not done(state, "validated"):
        hooks.step(f"validating {config.data_dir}")
        overlaps = _overlaps(config)
        mark(
            root,
            state,
            "validated",
            dataset_sha256=_validate(config, model_dir, lora.max_seq_length),
            overlaps_allowed=len(overlaps),
        )
    data_hash = state["stages"]["validated"]["dataset_sha256"]
    # Each stage's value flows on; a stage finished by an earlier, interrupted invocation is read
    # back from what it wrote (once).
    base: EvalReport | None = None
    if not done(state, "base_eval"):
        base_path, base = await _base_eval(config, hooks)
        mark(root, state, "base_eval", dir=str(base_path))
    base_dir = Path(state["stages"]["base_eval"]["dir"])
    trained: TrainingRun | None = None
    key = adapter_key(config, data_hash)
    adapter_eval = _eval_config(config, config.adapter_eval_dir, config.adapter_dir, base_dir / "report.json")
    eval_key = _adapter_eval_key(config, adapter_eval)
    if not done(state, "trained"):
        found = None if config.force else find_trained(key)
        if found is not None and found.adapter_dir != config.adapter_dir.resolve():
            answered = copy_trained(found, config.adapter_dir, config.adapter_eval_dir, eval_key)
            hooks.step(
                f"this adapter was trained before ({found.adapter_dir}): copied, not trained again"
                + (", with its answers" if answered else "")
            )
            mark(root, state, "trained", adapter=str(config.adapter_dir), copied_from=str(found.adapter_dir))
        else:
            trained = await _train(lora, hooks, config.launch)
            mark(root, state, "trained", adapter=str(config.adapter_dir))
    adapter: EvalReport | None = None
    if not done(state, "adapter_eval"):
        # resume answers an earlier invocation, or a reused adapter, left behind
        resume = (config.adapter_eval_dir / "results.jsonl").is_file()
        adapter = await _evaluate(dataclasses.replace(adapter_eval, resume=resume), "adapter", hooks)
        mark(root, state, "adapter_eval", dir=str(config.adapter_eval_dir))
    base = base or load_report(base_dir)
    adapter = adapter or load_report(config.adapter_eval_dir)
    decision = compare_runs(base, adapter)
    columns = [
        column_of(base, base_dir, f"{config.model} (base)"),
        column_of(adapter, config.adapter_eval_dir, config.name),
    ]
    write_text_atomic(config.compare_html, render_compare_html(columns))
    mark(root, state, "compared", decision=decision.outcome, detail=decision.detail)
    overlap_note = state["stages"]["validated"].get("overlaps_allowed", 0)
    run_record = trained.record if trained else read_run_record(config.adapter_dir)
    _record(config, base_dir, base, adapter, decision, data_hash, run_record, overlap_note)
    mark(root, state, "recorded", journal=str(config.journal))
    remember_trained(key, Trained(config.adapter_dir, config.adapter_eval_dir, eval_key))
    return ExperimentResult(
        base,
        adapter,
        decision,
        config.compare_html,
        config.journal,
        base_dir,
        config.adapter_eval_dir,
    )
