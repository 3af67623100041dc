import json
from pathlib import Path

import pytest

from punie.errors import AdapterError
from punie.serve.adapter_check import adapter_mismatches, check_adapter, read_safetensors_shapes
from tests.helpers import SMOL_CONFIG, lora_shapes, write_adapter, write_safetensors_header


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    directory.mkdir()
    (directory / "config.json").write_text(json.dumps(SMOL_CONFIG))
    return directory


def test_header_shapes(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    write_safetensors_header(path, {"a": (2, 3), "b": (4,)})
    assert read_safetensors_shapes(path) == {"a": (2, 3), "b": (4,)}


def test_matching_adapter_passes(tmp_path: Path, model_dir: Path) -> None:
    adapter = write_adapter(tmp_path / "ad", lora_shapes(range(28, 30)))
    check_adapter(adapter, model_dir)


def test_wrong_width_is_named() -> None:
    problems = adapter_mismatches(lora_shapes(range(29, 30), kv_out=576), SMOL_CONFIG)
    assert problems == [
        "model.layers.29.self_attn.v_proj.lora_b: shape (4, 576) does not fit self_attn.v_proj (576->192)"
    ]


def test_layer_beyond_model() -> None:
    problems = adapter_mismatches(lora_shapes(range(30, 31)), SMOL_CONFIG)
    assert len(problems) == 4 and "layer 30 but the model has 30 layers" in problems[0]


def test_mismatch_raises(tmp_path: Path, model_dir: Path) -> None:
    adapter = write_adapter(tmp_path / "ad", lora_shapes(range(29, 30), kv_out=576))
    with pytest.raises(AdapterError, match="does not match model"):
        check_adapter(adapter, model_dir)


def test_missing_parts(tmp_path: Path, model_dir: Path) -> None:
    with pytest.raises(AdapterError, match="not found"):
        check_adapter(tmp_path / "nope", model_dir)
    (tmp_path / "empty").mkdir()
    with pytest.raises(AdapterError, match="adapter_config.json is missing"):
        check_adapter(tmp_path / "empty", model_dir)
    (tmp_path / "empty" / "adapter_config.json").write_text("{}")
    with pytest.raises(AdapterError, match="adapters.safetensors is missing"):
        check_adapter(tmp_path / "empty", model_dir)
    (tmp_path / "empty" / "adapters.safetensors").write_bytes(b"\x01")
    with pytest.raises(AdapterError, match="unreadable"):
        check_adapter(tmp_path / "empty", model_dir)


def test_empty_weights_file(tmp_path: Path, model_dir: Path) -> None:
    adapter = write_adapter(tmp_path / "ad", {})
    with pytest.raises(AdapterError, match="holds no adapter weights"):
        check_adapter(adapter, model_dir)
