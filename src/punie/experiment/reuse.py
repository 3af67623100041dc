"""Identical training work is never done twice, within a run or across runs: a finished
experiment registers its adapter (and the evaluation of it) under what determines them, and a
later experiment with the same key copies them instead of training and answering again.

The adapter's key is the model, the dataset's content (its sha256), every training setting (the
seed included) and the launch; its evaluation's key adds the suite and the eval settings that
make runs comparable (`baseline_key`). The registry lives in punie's home, beside the baseline
cache, and is written under a lock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from punie.eval.report import RESULTS_FILE
from punie.experiment.plan import ExperimentConfig
from punie.runtime.atomic import write_json_atomic
from punie.runtime.file_lock import exclusive_lock, lock_beside
from punie.runtime.paths import punie_home
from punie.serve.adapter_check import ADAPTER_WEIGHTS

REGISTRY = "trained.json"


@dataclass(frozen=True)
class Trained:
    """A finished experiment's adapter and the key of its evaluation."""

    adapter_dir: Path
    eval_dir: Path
    eval_key: str


def adapter_key(config: ExperimentConfig, data_hash: str) -> str:
    """Pure: what determines a trained adapter."""
    fields = {
        "model": config.model,
        "data": data_hash,
        "training": dataclasses.asdict(config.training),
        "launch": dataclasses.asdict(config.launch),
        "device": config.device,
    }
    canonical = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _registry(home: Path | None) -> Path:
    return (home or punie_home()) / REGISTRY


def find_trained(key: str, home: Path | None = None) -> Trained | None:
    """The registered adapter for `key`, if its files are still whole."""
    path = _registry(home)
    entry = json.loads(path.read_text(encoding="utf-8")).get(key) if path.is_file() else None
    if not entry:
        return None
    found = Trained(Path(entry["adapter_dir"]), Path(entry["eval_dir"]), entry["eval_key"])
    return found if (found.adapter_dir / ADAPTER_WEIGHTS).is_file() else None


def remember_trained(key: str, trained: Trained, home: Path | None = None) -> None:
    path = _registry(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(lock_beside(path)):  # read-modify-write: two runs must not lose an entry
        entries = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        entries[key] = {
            "adapter_dir": str(trained.adapter_dir.resolve()),
            "eval_dir": str(trained.eval_dir.resolve()),
            "eval_key": trained.eval_key,
        }
        write_json_atomic(path, entries)


def copy_trained(found: Trained, adapter_dir: Path, eval_dir: Path, eval_key: str) -> bool:
    """Copy the adapter into `adapter_dir`, and its answers into `eval_dir` when they were given
    under the same eval key (the evaluation then resumes with nothing left to ask). True when
    the answers came too."""
    if adapter_dir.exists():
        shutil.rmtree(adapter_dir)
    shutil.copytree(found.adapter_dir, adapter_dir)
    answers = found.eval_dir / RESULTS_FILE
    if found.eval_key != eval_key or not answers.is_file():
        return False
    eval_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(answers, eval_dir / RESULTS_FILE)
    return True
