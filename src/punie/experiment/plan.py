"""What an experiment is (frozen), where each stage writes, and which stages are done."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from punie.eval.run_config import EvalSettings
from punie.eval.suite import BUILTIN
from punie.runtime.atomic import write_json_atomic
from punie.runtime.models import DEFAULT_MODEL
from punie.train.launch import Launch
from punie.train.lora_config import TrainSettings, training_settings

__all__ = ["EvalSettings", "ExperimentConfig", "TrainSettings", "training_settings"]

Stage = Literal["validated", "base_eval", "trained", "adapter_eval", "compared", "recorded"]
STAGES: tuple[Stage, ...] = ("validated", "base_eval", "trained", "adapter_eval", "compared", "recorded")
STATE_FILE = "experiment.json"


@dataclass(frozen=True)
class ExperimentConfig:
    name: str
    data_dir: Path
    model: str = DEFAULT_MODEL
    runs_dir: Path = Path("runs")
    journal: Path = Path("JOURNAL.md")
    training: TrainSettings = field(default_factory=TrainSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)
    suite: str = BUILTIN  # what base and adapter answer
    per_category: int | None = None  # only the first N prompts of each category
    # Settings chosen on this selection share of each category (experiment/selection.py): base
    # and adapter answer only the held-out rest. None: every prompt.
    held_out_of: float | None = None
    force: bool = False
    device: str = "auto"
    allow_overlap: bool = False  # train on examples that overlap the eval prompts (journal says so)
    launch: Launch = field(default_factory=Launch)  # processes/hosts for training (mlx.launch)

    @property
    def root(self) -> Path:
        return self.runs_dir / self.name

    @property
    def adapter_dir(self) -> Path:
        return self.root / "adapter"

    @property
    def adapter_eval_dir(self) -> Path:
        return self.root / "eval"

    @property
    def compare_html(self) -> Path:
        return self.root / "compare.html"

    def base_eval_dir(self, key: str) -> Path:
        """Shared by every experiment on the same model, suite and eval settings."""
        return self.runs_dir / "_base" / key


def read_state(root: Path) -> dict[str, Any]:
    path = root / STATE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"stages": {}}


def mark(root: Path, state: dict[str, Any], stage: Stage, **facts: Any) -> None:
    """Record `stage` as done (with what it produced) so a rerun skips it."""
    state["stages"][stage] = facts
    write_json_atomic(root / STATE_FILE, state)


def done(state: dict[str, Any], stage: Stage) -> bool:
    return stage in state.get("stages", {})
