"""Named model shapes with random weights, for benchmarks where no real large model can be fetched.

`SHAPES` holds each architecture's config (what its `config.json` says); `build_random_model`
runs inside the training child and builds the model with mlx-lm's own classes, random weights,
quantized when the shape is a 4-bit one, evaluated one layer at a time to bound peak memory.
The tokenizer is the embedded model's: its ids all fit the larger vocabularies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.errors import UsageError


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    config: dict[str, Any]
    bits: int | None = None  # quantize to this many bits (group size 64)

    @property
    def parameters(self) -> int:
        return estimate_parameters(self.config)

    @property
    def parameters_billions(self) -> float:
        return self.parameters / 1e9


SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape(
            "smollm2-135m",
            "SmolLM2-135M (llama, 30 layers, hidden 576)",
            {
                "model_type": "llama",
                "hidden_size": 576,
                "num_hidden_layers": 30,
                "intermediate_size": 1536,
                "num_attention_heads": 9,
                "num_key_value_heads": 3,
                "head_dim": 64,
                "vocab_size": 49152,
                "rms_norm_eps": 1e-5,
                "rope_theta": 100000.0,
                "tie_word_embeddings": True,
                "max_position_embeddings": 8192,
            },
        ),
        Shape(
            "tiny-llama",
            "a tiny llama (4 layers, hidden 64; the embedded vocabulary): steps of tens of ms on "
            "a CPU, so a fixed per-step cost of the trainer's wrapper shows",
            {
                "model_type": "llama",
                "hidden_size": 64,
                "num_hidden_layers": 4,
                "intermediate_size": 128,
                "num_attention_heads": 4,
                "num_key_value_heads": 2,
                "head_dim": 16,
                "vocab_size": 49152,
                "rms_norm_eps": 1e-5,
                "rope_theta": 10000.0,
                "tie_word_embeddings": True,
                "max_position_embeddings": 2048,
            },
        ),
        Shape(
            "qwen2.5-7b",
            "a 7B dense model (Qwen2.5-7B shape: 28 layers, hidden 3584)",
            {
                "model_type": "qwen2",
                "hidden_size": 3584,
                "num_hidden_layers": 28,
                "intermediate_size": 18944,
                "num_attention_heads": 28,
                "num_key_value_heads": 4,
                "vocab_size": 152064,
                "rms_norm_eps": 1e-6,
                "rope_theta": 1000000.0,
                "tie_word_embeddings": False,
                "max_position_embeddings": 32768,
            },
        ),
        Shape(
            "qwen3-coder-30b-a3b-4bit",
            "Qwen3-Coder-30B-A3B, 4-bit (MoE: 48 layers, 128 experts, 8 active)",
            {
                "model_type": "qwen3_moe",
                "hidden_size": 2048,
                "num_hidden_layers": 48,
                "intermediate_size": 6144,
                "moe_intermediate_size": 768,
                "num_attention_heads": 32,
                "num_key_value_heads": 4,
                "head_dim": 128,
                "num_experts": 128,
                "num_experts_per_tok": 8,
                "decoder_sparse_step": 1,
                "mlp_only_layers": [],
                "norm_topk_prob": True,
                "vocab_size": 151936,
                "rms_norm_eps": 1e-6,
                "rope_theta": 10000000.0,
                "tie_word_embeddings": False,
                "max_position_embeddings": 262144,
            },
            bits=4,
        ),
    )
}


def get_shape(name: str) -> Shape:
    if name not in SHAPES:
        raise UsageError(f"unknown --shape {name!r}; known: {', '.join(SHAPES)}")
    return SHAPES[name]


def estimate_parameters(config: dict[str, Any]) -> int:
    """Pure: parameter count of a llama/qwen-style decoder from its config."""
    hidden, layers = config["hidden_size"], config["num_hidden_layers"]
    heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = config.get("head_dim") or hidden // heads
    attention = hidden * head_dim * (heads * 2 + kv * 2)
    if config.get("num_experts"):
        mlp = (
            config["num_experts"] * 3 * hidden * config["moe_intermediate_size"]
            + hidden * config["num_experts"]
        )
    else:
        mlp = 3 * hidden * config["intermediate_size"]
    embed = config["vocab_size"] * hidden * (1 if config.get("tie_word_embeddings") else 2)
    return layers * (attention + mlp) + embed


def model_parameters(model_dir: Path) -> int | None:
    """About how many parameters the model in `model_dir` has, from its config.json (None when
    the file or its architecture's fields are not there)."""
    try:
        return estimate_parameters(json.loads((model_dir / "config.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def build_random_model(name: str, dtype: str = "bfloat16", overrides: dict[str, Any] | None = None) -> Any:
    """Child side (imports MLX): the model of shape `name` with random weights, evaluated."""
    import mlx.core as mx
    import mlx.nn as nn
    from mlx_lm.utils import _get_classes

    shape = get_shape(name)
    config = {**shape.config, **(overrides or {})}
    model_class, args_class = _get_classes(config)
    model = model_class(args_class.from_dict(config))
    model.set_dtype(getattr(mx, dtype))
    if shape.bits:
        nn.quantize(
            model,
            group_size=64,
            bits=shape.bits,
            class_predicate=lambda path, module: (
                hasattr(module, "to_quantized") and not path.endswith("mlp.gate")
            ),
        )
    for layer in model.layers:  # one layer at a time: the random weights never all exist unquantized
        mx.eval(layer.parameters())
    mx.eval(model.parameters())
    return model
