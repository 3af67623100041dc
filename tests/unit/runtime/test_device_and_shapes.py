import pytest

from punie.errors import UsageError
from punie.runtime.device import DEVICE_ENV, check_request, gpu_info, resolve_device, with_device
from punie.train.lora_config import default_dtype
from punie.train.shapes import SHAPES, build_random_model, estimate_parameters, get_shape


def test_device_requests_are_checked_and_passed_to_children() -> None:
    assert check_request("gpu") == "gpu"
    with pytest.raises(UsageError, match="auto, cpu, gpu"):
        check_request("tpu")
    assert with_device({"A": "1"}, "cpu") == {"A": "1", DEVICE_ENV: "cpu"}
    assert DEVICE_ENV not in with_device({DEVICE_ENV: "gpu"}, "auto")


def test_gpu_request_without_a_gpu_is_a_clear_error() -> None:
    if gpu_info().available:
        pytest.skip("this machine has a GPU")
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    with pytest.raises(UsageError, match="no usable GPU") as caught:
        resolve_device("gpu")
    assert caught.value.exit_code == 2 and "cuda" in str(caught.value)


def test_bf16_is_the_gpu_default_and_the_cpu_keeps_the_model_dtype() -> None:
    assert default_dtype("gpu", None) == "bfloat16"
    assert default_dtype("cpu", None) is None
    assert default_dtype("gpu", "float32") == "float32"


def test_named_shapes_have_the_sizes_they_claim() -> None:
    assert set(SHAPES) >= {"smollm2-135m", "qwen2.5-7b", "qwen3-coder-30b-a3b-4bit"}
    assert round(SHAPES["smollm2-135m"].parameters_billions, 2) == 0.13
    assert 7.0 < SHAPES["qwen2.5-7b"].parameters_billions < 8.0
    assert 30.0 < SHAPES["qwen3-coder-30b-a3b-4bit"].parameters_billions < 31.0
    from mlx.utils import tree_flatten

    real = sum(v.size for _, v in tree_flatten(build_random_model("smollm2-135m", "float32").parameters()))
    assert real == 134_515_008  # SmolLM2-135M-Instruct's own count
    assert abs(estimate_parameters(SHAPES["smollm2-135m"].config) - real) / real < 0.001  # norms aside
    with pytest.raises(UsageError, match="unknown --shape"):
        get_shape("gpt-5")


def test_a_shrunken_moe_shape_builds_quantized_with_random_weights() -> None:
    import mlx.core as mx

    small = {
        "num_hidden_layers": 2,
        "hidden_size": 128,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 64,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 32,
        "vocab_size": 512,
    }
    model = build_random_model("qwen3-coder-30b-a3b-4bit", overrides=small)
    assert type(model.layers[0].self_attn.q_proj).__name__ == "QuantizedLinear"
    logits = model(mx.array([[1, 2, 3]]))
    assert logits.shape == (1, 3, 512)
