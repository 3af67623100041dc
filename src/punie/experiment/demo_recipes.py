"""The demo's recipes, by name (`punie demo --recipe`): what one seed runs, and the experiment
whose adapter it ends with. docs/recipes.md measures them (3 seeds each, on 2 cores)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from punie.experiment.demo import DemoConfig, DemoStage, demo_experiment, run_demo
from punie.experiment.demo_dpo import dpo_experiment, run_demo_dpo
from punie.experiment.plan import ExperimentConfig


@dataclass(frozen=True)
class DemoRecipe:
    stage: DemoStage  # one seed, every stage (each resumable)
    final: Callable[[DemoConfig], ExperimentConfig]  # the experiment whose adapter a seed ends with
    about: str
    instead: str = ""  # a line for the end of the demo, when a better recipe exists than this one


DEMO_RECIPES: dict[str, DemoRecipe] = {
    "sft": DemoRecipe(
        run_demo,
        demo_experiment,
        "template SFT with replay (about 3 to 3.5 minutes a seed on 2 cores: the default, which fits "
        "the demo's 15 minutes)",
        "docs/recipes.md's best recipe, chosen on the selection half, is sft-dpo (template SFT, then DPO "
        "on the SFT adapter's own scorer pairs: +25.0 tool-calling points on the held-out half, 95% CI "
        "+4.6 to +45.4, over 3 seeds); it takes 13 to 15 minutes a seed on 2 cores: punie demo "
        "--recipe sft-dpo",
    ),
    "sft-dpo": DemoRecipe(
        run_demo_dpo,
        dpo_experiment,
        "template SFT, then DPO on the SFT adapter's own scorer pairs (docs/recipes.md's best on the "
        "selection half; about 13 to 15 minutes a seed on 2 cores)",
    ),
}
DEFAULT_RECIPE = "sft"
