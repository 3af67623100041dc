"""The journal entry of a fuse (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from punie.journal.ledger import Entry
from punie.ship.fuse import FuseResult


def gguf_check_text(found: Mapping[str, Any]) -> str:
    """Pure: what the GGUF read-back check measured, in one line."""
    same = "identical" if found.get("same_tokenization") else "DIFFERENT"
    agreement = float(found.get("next_token_agreement", 0.0))
    difference = float(found.get("max_logit_difference", float("nan")))
    return (
        f"GGUF read back: tokenization {same}, next-token agreement {agreement:.0%}, "
        f"max logit difference {difference:.2g}"
    )


def fuse_entry(result: FuseResult) -> Entry:
    plan = result.plan
    made = [f"Fused float model: {plan.name} ({plan.float_dir})"]
    if plan.quant_name:
        made.append(f"{plan.quantize}-bit copy: {plan.quant_name} ({plan.quant_dir})")
    if plan.gguf:
        made.append(f"GGUF: {plan.gguf_file}, with an Ollama Modelfile beside it")
    results: list[str] = []
    if result.gguf:
        results.append(gguf_check_text(result.gguf))
    if result.equivalence is not None:
        results.append(f"Greedy equivalence: {result.equivalence.text()}")
    if result.quant_report is not None and result.float_report is not None:
        for delta in result.quant_deltas:
            before = result.float_report.intervals()[delta.category].text()
            after = result.quant_report.intervals()[delta.category].text()
            results.append(
                f"{delta.category}: float {before}, {plan.quantize}-bit {after}; {delta.test.text()}"
            )
    return Entry(
        kind="fuse",
        step=f"Fuse: {plan.name}",
        title=f"Fuse: {plan.name}",
        goal=f"Ship the adapter {plan.source.adapter_dir} as a standalone model.",
        did=tuple(made),
        results=tuple(results),
        decision=result.quant_decision,
        repro={
            "model": plan.source.base_model,
            "adapter": str(plan.source.adapter_dir),
            "output": str(plan.output),
            "summary": str(plan.summary_file),
        },
    )
