"""`punie eval --replay`: score recorded responses again, with no model and no server."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from punie.errors import UsageError
from punie.eval.report import REPORT_FILE, EvalReport
from punie.eval.results_log import read_results
from punie.eval.runner import write_report
from punie.eval.score import score_prompt
from punie.eval.suite import EvalSuite
from punie.sandbox import SandboxLimits


def replay_results(
    results: Path, suite: EvalSuite, output: Path, limits: SandboxLimits = SandboxLimits()
) -> EvalReport:
    """Re-score every recorded response of `results` against `suite`; write a fresh report."""
    if not results.is_file():
        raise UsageError(f"{results}: no such results file")
    recorded = read_results(results)
    if not recorded:
        raise UsageError(f"{results}:1: no recorded results")
    rescored = []
    for number, record in enumerate(recorded, start=1):
        try:
            prompt = suite.get(record.prompt_id)
        except KeyError:
            raise UsageError(
                f"{results}:{number}: prompt_id: {record.prompt_id!r} is not in suite {suite.name}"
            ) from None
        rescored.append(score_prompt(prompt, record.response, limits))
    original = results.parent / REPORT_FILE
    base = EvalReport.from_dict(json.loads(original.read_text())) if original.is_file() else None
    report = EvalReport(
        model=base.model if base else "replayed",
        adapter=base.adapter if base else None,
        suite_name=suite.name,
        suite_hash=suite.suite_hash(),
        results=tuple(rescored),
        prompt_count=len(suite.prompts),
        started_at=base.started_at if base else "",
        seconds=base.seconds if base else 0.0,
        settings={
            **(base.settings if base else {}),
            "replayed_from": str(results),
            "unsafe_exec": limits.unsafe_exec,
        },
        versions=base.versions if base else {},
        chat_template_hash=base.chat_template_hash if base else None,
        labels=suite.labels(),
    )
    if output.resolve() == results.parent.resolve():
        raise UsageError(
            f"{output}: --replay writes a new report; choose an --output other than the recorded run"
        )
    output.mkdir(parents=True, exist_ok=True)
    write_report(replace(report), output)
    return report
