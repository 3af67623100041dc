"""Issue 27: identical training work is never done twice, across runs either."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from punie.experiment.plan import ExperimentConfig
from punie.experiment.reuse import Trained, adapter_key, copy_trained, find_trained, remember_trained


def test_the_key_is_what_determines_the_adapter_and_nothing_else(tmp_path: Path) -> None:
    config = ExperimentConfig(name="a", data_dir=tmp_path / "data")
    key = adapter_key(config, "d" * 64)
    elsewhere = dataclasses.replace(config, name="b", runs_dir=tmp_path / "other", journal=tmp_path / "J.md")
    assert adapter_key(elsewhere, "d" * 64) == key  # where it is written or journaled: no matter
    assert adapter_key(config, "e" * 64) != key  # other data
    reseeded = dataclasses.replace(config, training=dataclasses.replace(config.training, seed=1))
    assert adapter_key(reseeded, "d" * 64) != key  # another replicate of the recipe


def _adapter(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "adapters.safetensors").write_bytes(b"weights")
    (directory / "adapter_config.json").write_text("{}")
    return directory


def test_a_registered_adapter_is_copied_with_its_answers_only_under_the_same_eval_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = Trained(_adapter(tmp_path / "one" / "adapter"), tmp_path / "one" / "eval", "k1")
    first.eval_dir.mkdir()
    (first.eval_dir / "results.jsonl").write_text('{"prompt_id": "p"}\n')
    assert find_trained("key", home) is None
    remember_trained("key", first, home)
    found = find_trained("key", home)
    assert found is not None and found.adapter_dir == first.adapter_dir.resolve()

    two = tmp_path / "two"
    assert copy_trained(found, two / "adapter", two / "eval", "k1")
    assert (two / "adapter" / "adapters.safetensors").read_bytes() == b"weights"
    assert (two / "eval" / "results.jsonl").read_text() == '{"prompt_id": "p"}\n'
    three = tmp_path / "three"
    assert not copy_trained(found, three / "adapter", three / "eval", "k2")  # other eval settings
    assert (three / "adapter" / "adapters.safetensors").is_file() and not (three / "eval").exists()

    (first.adapter_dir / "adapters.safetensors").unlink()  # deleted since: not offered
    assert find_trained("key", home) is None
