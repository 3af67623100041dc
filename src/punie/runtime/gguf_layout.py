"""Pure mapping from a llama-architecture GGUF's tensor names and metadata to an MLX model dir."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LAYER_PARTS = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
TOP_LEVEL = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head"}


def hf_name(gguf_name: str) -> str:
    """`blk.3.attn_q.scales` -> `model.layers.3.self_attn.q_proj.scales`."""
    parts = gguf_name.split(".")
    if parts[0] == "blk" and len(parts) == 4 and parts[2] in LAYER_PARTS:
        return f"model.layers.{parts[1]}.{LAYER_PARTS[parts[2]]}.{parts[3]}"
    if len(parts) == 2 and parts[0] in TOP_LEVEL:
        return f"{TOP_LEVEL[parts[0]]}.{parts[1]}"
    raise ValueError(f"unexpected GGUF tensor name: {gguf_name}")


def _scalar(metadata: Mapping[str, Any], key: str) -> Any:
    value = metadata[key]
    return value.item() if hasattr(value, "item") else value


def llama_config(
    metadata: Mapping[str, Any], tensor_names: set[str], group_size: int = 32, bits: int = 4
) -> dict[str, Any]:
    """The `config.json` mlx-lm's llama model needs, read from GGUF `llama.*` metadata."""
    if str(metadata.get("general.architecture")) != "llama":
        raise ValueError(f"only llama GGUFs are supported, got {metadata.get('general.architecture')}")
    hidden = int(_scalar(metadata, "llama.embedding_length"))
    heads = int(_scalar(metadata, "llama.attention.head_count"))
    config: dict[str, Any] = {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "hidden_size": hidden,
        "num_hidden_layers": int(_scalar(metadata, "llama.block_count")),
        "intermediate_size": int(_scalar(metadata, "llama.feed_forward_length")),
        "num_attention_heads": heads,
        "num_key_value_heads": int(_scalar(metadata, "llama.attention.head_count_kv")),
        "head_dim": int(_scalar(metadata, "llama.rope.dimension_count"))
        if "llama.rope.dimension_count" in metadata
        else hidden // heads,
        "rms_norm_eps": float(_scalar(metadata, "llama.attention.layer_norm_rms_epsilon")),
        "vocab_size": int(_scalar(metadata, "llama.vocab_size")),
        "max_position_embeddings": int(_scalar(metadata, "llama.context_length")),
        "rope_theta": float(_scalar(metadata, "llama.rope.freq_base")),
        # GGUF stores Q/K permuted for interleaved ("traditional") RoPE.
        "rope_traditional": True,
        "tie_word_embeddings": "output.weight" not in tensor_names,
        "bos_token_id": int(_scalar(metadata, "tokenizer.ggml.bos_token_id")),
        "eos_token_id": int(_scalar(metadata, "tokenizer.ggml.eos_token_id")),
    }
    if any(name.endswith(".scales") for name in tensor_names):
        config["quantization"] = {"group_size": group_size, "bits": bits}
    return config
