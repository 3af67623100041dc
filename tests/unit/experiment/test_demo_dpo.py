"""`punie demo --recipe sft-dpo`: each seed's DPO stage starts from that seed's SFT adapter (the
base model is its reference, as measured) and learns from that adapter's answers to generated
requests only."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from punie.experiment.demo import DEMO_TRAINING, DemoConfig, demo_experiment
from punie.experiment.demo_dpo import REQUEST_SEED_OFFSET, dpo_experiment, sample_config, samples_dir
from punie.experiment.demo_recipes import DEFAULT_RECIPE, DEMO_RECIPES


def test_the_dpo_stage_starts_from_its_seeds_sft_adapter_and_keeps_the_demos_evaluation(
    tmp_path: Path,
) -> None:
    config = DemoConfig(model="smollm2-135m", workdir=tmp_path, seed=2)
    sft, dpo = demo_experiment(config), dpo_experiment(config)
    assert dpo.training.method == "dpo" and dpo.training.reference == "base"
    assert dpo.training.init_adapter == str(sft.adapter_dir) and dpo.training.seed == 2
    assert dpo.training.learning_rate == 2e-5 and dpo.training.batch_size == 1
    assert dpo.training.iters == sft.training.iters == 20
    assert dpo.data_dir == samples_dir(config) / "pairs" and dpo.name == f"{sft.name}-dpo"
    assert dpo.adapter_dir != sft.adapter_dir  # a new adapter: the SFT one is kept as it was
    assert (dpo.eval, dpo.held_out_of, dpo.suite) == (sft.eval, sft.held_out_of, sft.suite)
    shorter = dataclasses.replace(config, train=DEMO_TRAINING.with_iters(4))
    assert dpo_experiment(shorter).training.iters == 4  # --iters sets each stage's


def test_the_adapter_answers_requests_of_another_generator_seed_and_no_suite_prompt(
    tmp_path: Path,
) -> None:
    config = DemoConfig(model="smollm2-135m", workdir=tmp_path, seed=1)
    adapter = demo_experiment(config).adapter_dir
    sampling = sample_config(config, adapter)
    assert sampling.server is not None and sampling.server.adapter_path == str(adapter)
    assert sampling.sampling.temperature > 0 and sampling.k == 4
    assert not sampling.from_suite and sampling.overlaps() == []
    ids = {p.id for p in sampling.prompts().prompts}
    assert len(ids) == 48 and all(i.startswith(f"gen{REQUEST_SEED_OFFSET + 1}-") for i in ids)


def test_the_default_recipe_is_the_one_that_fits_the_demos_time() -> None:
    assert DEFAULT_RECIPE == "sft" and DEMO_RECIPES["sft"].final is demo_experiment
    assert DEMO_RECIPES["sft-dpo"].final is dpo_experiment
