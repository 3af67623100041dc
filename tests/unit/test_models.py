import json
from pathlib import Path

import pytest

from punie.errors import ModelNotAvailableError, UsageError
from punie.runtime.models import classify, hub_cache_snapshot, resolve_model


def test_classify() -> None:
    assert classify("smollm2-135m") == "alias"
    assert classify("mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit") == "hub"
    assert classify("./models/x") == "path"
    assert classify("/nonexistent/dir") == "path"
    assert classify("nonsense") == "unknown"


def test_uncached_hub_id_fails_fast_naming_the_alias(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelNotAvailableError, match="not available offline") as info:
        resolve_model("mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit")
    assert "smollm2-135m" in str(info.value)
    assert info.value.exit_code == 2


def test_cached_hub_id_resolves_to_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = tmp_path / "models--org--tiny" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / "config.json").write_text(json.dumps({"model_type": "llama"}))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    assert hub_cache_snapshot("org/tiny") == snap
    assert resolve_model("org/tiny").path == snap


def test_unknown_alias_and_bad_directories(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown model 'nonsense'"):
        resolve_model("nonsense")
    with pytest.raises(UsageError, match="not found"):
        resolve_model(str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="no config.json"):
        resolve_model(str(tmp_path))
