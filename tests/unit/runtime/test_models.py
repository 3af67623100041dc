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
    (snap / "config.json").write_text(json.dumps(TINY_LLAMA))
    (snap / "model.safetensors").write_bytes(b"")
    (snap / "tokenizer.json").write_text("{}")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    assert hub_cache_snapshot("org/tiny") == snap
    assert resolve_model("org/tiny").path == snap


TINY_LLAMA = {
    "model_type": "llama",
    "hidden_size": 8,
    "num_hidden_layers": 1,
    "intermediate_size": 16,
    "num_attention_heads": 2,
    "rms_norm_eps": 1e-5,
    "vocab_size": 32,
}


@pytest.mark.parametrize(
    ("config", "files", "problem"),
    [
        ('{"model_type": 5', ("model.safetensors", "tokenizer.json"), r"config.json:1: not valid JSON"),
        ("[1]", ("model.safetensors",), r"config.json: expected a JSON object"),
        ('{"hidden_size": 8}', ("model.safetensors",), r"config.json: model_type: missing"),
        ('{"model_type": "nope"}', ("model.safetensors",), r"'nope' is not a model type mlx-lm supports"),
        ('{"model_type": "llama"}', ("model.safetensors",), r"config.json: .*missing .* 'hidden_size'"),
        (json.dumps(TINY_LLAMA), ("tokenizer.json",), r"no \*.safetensors weights"),
        (json.dumps(TINY_LLAMA), ("model.safetensors",), r"no tokenizer"),
    ],
)
def test_a_broken_model_directory_is_one_line_before_anything_loads(
    tmp_path: Path, config: str, files: tuple[str, ...], problem: str
) -> None:
    (tmp_path / "config.json").write_text(config)
    for name in files:
        (tmp_path / name).write_text("")
    with pytest.raises(UsageError, match=problem):
        resolve_model(str(tmp_path))


def test_unknown_alias_and_bad_directories(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown model 'nonsense'"):
        resolve_model("nonsense")
    with pytest.raises(UsageError, match="not found"):
        resolve_model(str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="no config.json"):
        resolve_model(str(tmp_path))
