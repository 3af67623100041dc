"""`punie fuse`: run mlx-lm's fuse and convert in child processes, complete and verify the GGUF,
register what was made, and check it on a suite (a thin async shell around punie.ship.plan).

The checks are what make a fused model trustworthy:
- equivalence: the fused float model must answer the suite exactly as base + adapter does under
  greedy decoding (same text, same calls), prompt by prompt;
- quantization: the quantized copy's score change against the fused float model, per category,
  with intervals and the paired exact test.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.errors import PunieError, UsageError
from punie.eval.client import SamplingSettings
from punie.eval.report import EvalReport
from punie.eval.run_config import EvalRunConfig, EvalSettings
from punie.eval.runner import run_evaluation
from punie.eval.score import EvalResult
from punie.eval.suite import first_per_category
from punie.eval.suite_load import load_suite
from punie.journal.compare import CategoryDelta, category_deltas, compare_runs
from punie.runtime.atomic import write_json_atomic
from punie.runtime.chat_template import model_template_hash, template_hash, tools_chat_template
from punie.runtime.child_env import child_env
from punie.runtime.device import with_device
from punie.runtime.registry import RegisteredModel, register
from punie.runtime.supervise import run_to_end, tail
from punie.serve.config import ServerConfig
from punie.ship.gguf_meta import modelfile
from punie.ship.plan import GGUF_FROM_FUSE, FusePlan, fuse_command, quantize_command

Progress = Callable[[str], None]


# How the checks evaluate: short answers, greedy, 4 prompts in flight.
# MLX for every check: the fused model is an MLX directory, and one comparison never mixes engines.
CHECK_EVAL = EvalSettings(SamplingSettings(max_tokens=96, seed=0), engine="mlx")


@dataclass(frozen=True)
class CheckSettings:
    suite: str | None = "builtin"  # None: no checks
    per_category: int = 0  # 0: every prompt
    device: str = "auto"
    eval: EvalSettings = CHECK_EVAL


@dataclass(frozen=True)
class Equivalence:
    """Prompts where the fused model answered exactly as base + adapter did."""

    compared: int
    identical: int
    differing: tuple[str, ...]

    def text(self) -> str:
        tail_ids = f" (differ: {', '.join(self.differing)})" if self.differing else ""
        return f"{self.identical}/{self.compared} answers identical to base + adapter{tail_ids}"


@dataclass(frozen=True)
class FuseResult:
    plan: FusePlan
    gguf: dict[str, Any] | None = None
    equivalence: Equivalence | None = None
    float_report: EvalReport | None = None
    quant_report: EvalReport | None = None
    quant_deltas: tuple[CategoryDelta, ...] = ()
    quant_decision: str = ""


def same_answers(reference: EvalReport, other: EvalReport) -> Equivalence:
    """Pure: prompt by prompt, the same final text and the same calls."""
    theirs = {r.id: r for r in other.results}
    compared = [(r, theirs[r.id]) for r in reference.results if r.id in theirs]
    differing = tuple(
        a.id for a, b in compared if (a.response_text, list(a.calls)) != (b.response_text, list(b.calls))
    )
    return Equivalence(len(compared), len(compared) - len(differing), differing)


def _log(plan: FusePlan) -> Path:
    return plan.output / "fuse.log"


async def _run(command: list[str], plan: FusePlan, device: str) -> int:
    """One child of the fuse (mlx-lm or the GGUF check), its output appended to fuse.log."""
    return await run_to_end(command, with_device(child_env(), device), _log(plan))


async def _child(command: list[str], plan: FusePlan, what: str, device: str) -> None:
    code = await _run(command, plan, device)
    if code != 0:
        raise PunieError(f"{what} failed (exit {code}); the end of {_log(plan)}:\n{tail(_log(plan), 15)}")


async def _gguf(plan: FusePlan, device: str) -> dict[str, Any]:
    made = plan.float_dir / GGUF_FROM_FUSE
    plan.gguf_file.parent.mkdir(parents=True, exist_ok=True)
    made.replace(plan.gguf_file)
    command = [sys.executable, "-m", "punie.ship.gguf_child", str(plan.float_dir), str(plan.gguf_file)]
    code = await _run(command, plan, device)
    lines = [line for line in tail(_log(plan), 5).splitlines() if line.startswith("{")]
    found = json.loads(lines[-1]) if lines else {}
    if code != 0 or not found.get("ok"):
        detail = found or tail(_log(plan), 15)
        raise PunieError(f"the GGUF {plan.gguf_file} failed its read-back check: {detail}")
    ours = model_template_hash(plan.float_dir) == template_hash(tools_chat_template())
    stops = ["<|im_end|>", "<|endoftext|>"] if ours else []
    text = modelfile(plan.gguf_file.name, ours, stops)
    (plan.gguf_file.parent / "Modelfile").write_text(text, encoding="utf-8")
    return found


def _register(plan: FusePlan) -> None:
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    common = {
        "base": plan.source.base_model,
        "adapter": str(plan.source.adapter_dir.resolve()),
        "created": now,
    }
    register(RegisteredModel(plan.name, str(plan.float_dir.resolve()), "fused", **common))
    if plan.quant_dir is not None and plan.quant_name is not None:
        kind = f"q{plan.quantize}"
        register(RegisteredModel(plan.quant_name, str(plan.quant_dir.resolve()), kind, **common))


def check_progress(label: str, total: int, progress: Progress) -> Callable[[EvalResult], None]:
    """A line at each fifth of a check's prompts (a check of a whole suite takes minutes)."""
    done = 0
    every = max(1, total // 5)

    def on_result(result: EvalResult) -> None:
        nonlocal done
        done += 1
        if done % every == 0 or done == total:
            progress(f"  {label} check: {done}/{total} prompts answered")

    return on_result


async def _eval(
    plan: FusePlan,
    checks: CheckSettings,
    label: str,
    model: str,
    adapter: Path | None,
    progress: Progress | None = None,
) -> EvalReport:
    assert checks.suite is not None
    output = plan.output / "checks" / label
    suite = first_per_category(load_suite(checks.suite), checks.per_category)
    config = EvalRunConfig(
        suite=suite,
        output_dir=output,
        server=ServerConfig(
            model_path=model,
            port=0,
            adapter_path=str(adapter) if adapter else None,
            device=checks.device,
            engine=checks.eval.engine,
        ),
        settings=checks.eval,
        resume=(output / "results.jsonl").is_file(),
    )
    report = await run_evaluation(
        config, check_progress(label, len(suite.prompts), progress) if progress else None
    )
    if not report.complete:
        why = report.error or report.incomplete_summary()
        raise PunieError(f"the {label} check is incomplete ({why}); rerun to retry the missing prompts")
    return report


async def fuse_adapter(plan: FusePlan, checks: CheckSettings, progress: Progress) -> FuseResult:
    """Fuse, export, quantize, register, then check; each stage's output stays on disk."""
    if plan.output.exists() and any(plan.output.iterdir()):
        raise UsageError(f"{plan.output} already exists and is not empty: choose a new --output")
    plan.output.mkdir(parents=True, exist_ok=True)
    progress(f"fusing {plan.source.adapter_dir} into {plan.source.base_model} (mlx_lm fuse)")
    try:
        await _child(fuse_command(plan), plan, "mlx_lm fuse", checks.device)
    except BaseException:
        shutil.rmtree(plan.float_dir, ignore_errors=True)
        raise
    result = FuseResult(plan)
    if plan.gguf:
        progress(f"completing and reading back {plan.gguf_file.name}")
        result = dataclasses.replace(result, gguf=await _gguf(plan, checks.device))
    if plan.quant_dir is not None:
        progress(f"quantizing to {plan.quantize} bits (mlx_lm convert -q)")
        await _child(quantize_command(plan), plan, "mlx_lm convert", checks.device)
    _register(plan)
    write_summary(result)
    if checks.suite is None:
        return result
    model = str(plan.float_dir)
    progress(f"checking on suite {checks.suite}: base + adapter")
    reference = await _eval(
        plan, checks, "adapter", plan.source.base_model, plan.source.adapter_dir, progress
    )
    progress("checking the fused model")
    fused = await _eval(plan, checks, "fused", model, None, progress)
    result = dataclasses.replace(result, equivalence=same_answers(reference, fused), float_report=fused)
    if plan.quant_dir is not None:
        progress(f"checking the {plan.quantize}-bit copy")
        quant = await _eval(plan, checks, f"q{plan.quantize}", str(plan.quant_dir), None, progress)
        line = compare_runs(fused, quant).detail
        result = dataclasses.replace(
            result, quant_report=quant, quant_deltas=tuple(category_deltas(fused, quant)), quant_decision=line
        )
    write_summary(result)
    return result


def summary(result: FuseResult) -> dict[str, Any]:
    """Pure: fuse.json."""
    plan = result.plan
    out: dict[str, Any] = {
        "adapter": str(plan.source.adapter_dir),
        "base_model": plan.source.base_model,
        "models": {plan.name: str(plan.float_dir)}
        | ({plan.quant_name: str(plan.quant_dir)} if plan.quant_name else {}),
        "gguf": str(plan.gguf_file) if plan.gguf else None,
        "gguf_check": result.gguf,
    }
    if result.equivalence is not None:
        out["equivalence"] = dataclasses.asdict(result.equivalence)
    if result.quant_report is not None and result.float_report is not None:
        out["quantized"] = {
            "float": {c: i.text() for c, i in result.float_report.intervals().items()},
            "quantized": {c: i.text() for c, i in result.quant_report.intervals().items()},
            "changes": [d.text() for d in result.quant_deltas],
            "decision": result.quant_decision,
        }
    return out


def write_summary(result: FuseResult) -> None:
    write_json_atomic(result.plan.summary_file, summary(result))
