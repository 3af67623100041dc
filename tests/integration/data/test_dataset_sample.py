"""`punie dataset sample` on the real model (issue 28's bar, sized down): K scored answers per
prompt, drawn only from the selection share of the suite (and from punie's training-prompt
generator), written as SFT data, pairs and pass@K."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.data.generated_prompts import generated_prompts
from punie.eval.suite import first_per_category
from punie.eval.suite_load import load_suite
from punie.eval.suite_split import split_ids
from tests.helpers import run_punie

pytestmark = pytest.mark.integration


def test_sample_writes_pass_rates_and_draws_no_held_out_prompt_only_selection_and_generated_ones(
    tmp_path: Path, serve_model_dir: Path
) -> None:
    out = tmp_path / "sampled"
    args = ("--per-category", "2", "--k", "2", "--max-tokens", "48", "--output", str(out))
    args += ("--prompts", "both", "--generated", "3")
    done = run_punie("dataset", "sample", *args, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pass@2" in done.stdout and "SFT examples" in done.stdout
    summary = json.loads((out / "sample.json").read_text())
    assert summary["k"] == 2 and summary["prompts"] == "selection share 0.5 + 3 generated"
    assert summary["overlapping_prompts"] == []
    assert summary["written_by"]["model"] == "smollm2-135m"
    suite = first_per_category(load_suite(), 2)
    split = split_ids(((p.id, p.category) for p in suite.prompts), 0.5)
    sampled = {
        json.loads(line)["prompt_id"]
        for seed in (out / "samples").iterdir()
        for line in (seed / "results.jsonl").read_text().splitlines()
    }
    generated = {p.id for p in generated_prompts(3, 0)}
    assert sampled == set(split.selection) | generated  # none that scores the result
    assert {r["category"] for r in summary["pass_rates"]} == {"tool_calling", "code_generation", "reasoning"}
    for name in ("sft", "pairs"):  # whatever passed or split the model: valid chat / pair rows
        for line in (out / name / "train.jsonl").read_text().splitlines() if (out / name).is_dir() else []:
            row = json.loads(line)
            assert (
                row["prompt_id"] in split.selection | generated
                if name == "pairs"
                else row["messages"][-1]["role"] == "assistant"
            )
