"""Baselines: which report is the base model's for the same suite and settings, and the adapter proof.

A complete managed run without an adapter registers itself in `$PUNIE_HOME/baselines.json` under
a key of model + suite hash + sampling settings. An adapter run with the same key compares its
responses with that baseline's: if not one changed, the adapter was probably not applied.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from punie.eval.report import RESULTS_FILE, AdapterProof
from punie.eval.response import RecordedResponse
from punie.eval.results_log import read_results
from punie.runtime.atomic import write_json_atomic
from punie.runtime.file_lock import exclusive_lock, lock_beside
from punie.runtime.paths import punie_home
from punie.serve.adapter_check import lora_update_size

if TYPE_CHECKING:
    from punie.eval.run_config import EvalRunConfig

REGISTRY = "baselines.json"


# What makes runs comparable: every sampling field sent with a request, the agent's turns, and
# the engine that computed the answers.
SAMPLING_KEYS = (
    "engine",
    "temperature",
    "top_p",
    "max_tokens",
    "seed",
    "repetition_penalty",
    "max_turns",
)
# Raised whenever a scorer changes what passes: a baseline scored by an older one is not reused.
# 2: a choice stated as "B) Paris ..." counts (answer_score.choice_letter); 3: the llama.cpp
# engine's tool-call text is split out as mlx_lm.server does (eval/tool_text.py)
SCORING_VERSION = 3


def baseline_key(model: str, suite_hash: str, settings: dict[str, object]) -> str:
    """Pure: what makes two runs comparable (the adapter aside)."""
    fields = {k: settings.get(k) for k in SAMPLING_KEYS}
    canonical = json.dumps(
        {"model": model, "suite": suite_hash, "scoring": SCORING_VERSION, **fields}, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _config_key(config: EvalRunConfig) -> str | None:
    if config.server is None:
        return None
    return baseline_key(config.server.model_path, config.suite.suite_hash(), config.recorded())


def _registry(home: Path | None) -> Path:
    return (home or punie_home()) / REGISTRY


def find_baseline(key: str, home: Path | None = None) -> Path | None:
    """The output dir of the newest complete baseline run for `key`, if it still exists."""
    path = _registry(home)
    if not path.is_file():
        return None
    entry = json.loads(path.read_text(encoding="utf-8")).get(key)
    found = Path(entry) if entry else None
    return found if found is not None and (found / RESULTS_FILE).is_file() else None


def baseline_lock(key: str, home: Path | None = None) -> Path:
    """The lock a run holds while it evaluates the base model for `key`: two experiments started
    together evaluate it once, the second reusing the first's."""
    return _registry(home).parent / f".base-{key}.lock"


def register_baseline(config: EvalRunConfig, home: Path | None = None) -> None:
    key = _config_key(config)
    if key is None or config.server is None or config.server.adapter_path:
        return
    path = _registry(home)
    with exclusive_lock(lock_beside(path)):  # read-modify-write: two runs must not lose an entry
        entries = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        entries[key] = str(config.output_dir.resolve())
        write_json_atomic(path, entries)


def response_signature(response: RecordedResponse) -> str:
    """Pure: what counts as 'the same response': the text and the calls (names and arguments; a
    call's id is the server's random label) of every turn."""
    turns = [(t.content, [(call.name, call.arguments) for call in t.parsed().calls]) for t in response.turns]
    return json.dumps(turns, sort_keys=True)


def compare_responses(
    baseline: dict[str, RecordedResponse], current: dict[str, RecordedResponse], label: str
) -> AdapterProof:
    """Pure: how many prompts answered in both runs got a different response."""
    shared = [
        pid
        for pid in current
        if pid in baseline and current[pid].error is None and baseline[pid].error is None
    ]
    changed = sum(response_signature(current[p]) != response_signature(baseline[p]) for p in shared)
    return AdapterProof(label, len(shared), changed)


def adapter_proof(config: EvalRunConfig, responses: dict[str, RecordedResponse]) -> AdapterProof | None:
    """Compare with the explicit `config.baseline`, else the registered one; None without an adapter."""
    if config.server is None or not config.server.adapter_path:
        return None
    if config.baseline is not None:
        found: Path | None = config.baseline.parent if config.baseline.is_file() else config.baseline
    else:
        key = _config_key(config)
        found = find_baseline(key) if key else None
    if found is None or not (found / RESULTS_FILE).is_file():
        return None
    recorded = {r.prompt_id: r.response for r in read_results(found / RESULTS_FILE)}
    proof = compare_responses(recorded, responses, str(found))
    return replace(proof, update=lora_update_size(Path(config.server.adapter_path)))
