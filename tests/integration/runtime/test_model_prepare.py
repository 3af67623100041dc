"""Preparing the embedded model: atomic, idempotent, verified; doctor and list report it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.runtime.models import resolve_model
from punie.runtime.prepare import MANIFEST, is_prepared
from tests.helpers import run_punie

pytestmark = pytest.mark.integration


def test_interrupted_conversion_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNIE_HOME", str(tmp_path))
    family = tmp_path / "models" / "smollm2-135m"
    (family / ".q4.tmp").mkdir(parents=True)  # what a killed conversion leaves behind
    (family / ".q4.tmp" / "model.safetensors").write_bytes(b"half")
    (family / "q4").mkdir()
    (family / "q4" / "config.json").write_text("{}")  # renamed but never verified
    assert not is_prepared(family / "q4")

    steps: list[str] = []
    resolved = resolve_model("smollm2-135m", "serve", progress=steps.append)
    assert resolved.path == family / "f32" and is_prepared(family / "q4")
    assert resolved.path == family / "f32" and is_prepared(resolved.path)
    assert not (family / ".q4.tmp").exists()
    manifest = json.loads((resolved.path / MANIFEST).read_text())
    assert "Paris" in manifest["verified_answer"]
    assert len(manifest["source_sha256"]) == 64
    assert any("verifying" in step for step in steps)

    steps.clear()
    assert resolve_model("smollm2-135m", "serve", progress=steps.append).path == resolved.path
    assert steps == []  # idempotent: nothing is converted twice


def test_model_list_and_doctor(serve_model_dir: Path, train_model_dir: Path) -> None:
    listed = run_punie("model", "list")
    assert listed.returncode == 0
    assert "q4" in listed.stdout and "f32" in listed.stdout

    doctor = run_punie("doctor", timeout=180)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    for needle in ("mlx-lm", "BLAS for children", "GFLOP/s", "cache dir", "prepared"):
        assert needle in doctor.stdout
