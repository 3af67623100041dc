import pytest

from punie.runtime.gguf_layout import hf_name, llama_config


@pytest.mark.parametrize(
    ("gguf", "hf"),
    [
        ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"),
        ("blk.12.ffn_down.scales", "model.layers.12.mlp.down_proj.scales"),
        ("blk.3.attn_norm.weight", "model.layers.3.input_layernorm.weight"),
        ("blk.3.ffn_norm.weight", "model.layers.3.post_attention_layernorm.weight"),
        ("token_embd.biases", "model.embed_tokens.biases"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
    ],
)
def test_names(gguf: str, hf: str) -> None:
    assert hf_name(gguf) == hf


def test_unknown_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="unexpected"):
        hf_name("blk.0.mystery.weight")


META = {
    "general.architecture": "llama",
    "llama.embedding_length": 576,
    "llama.attention.head_count": 9,
    "llama.attention.head_count_kv": 3,
    "llama.block_count": 30,
    "llama.feed_forward_length": 1536,
    "llama.attention.layer_norm_rms_epsilon": 1e-5,
    "llama.vocab_size": 49152,
    "llama.context_length": 8192,
    "llama.rope.freq_base": 100000.0,
    "tokenizer.ggml.bos_token_id": 1,
    "tokenizer.ggml.eos_token_id": 2,
}


def test_llama_config() -> None:
    config = llama_config(META, {"token_embd.weight", "token_embd.scales"})
    assert config["rope_traditional"] is True
    assert config["tie_word_embeddings"] is True
    assert config["head_dim"] == 64
    assert config["quantization"] == {"group_size": 32, "bits": 4}
    assert (config["num_key_value_heads"], config["eos_token_id"]) == (3, 2)


def test_untied_unquantized() -> None:
    config = llama_config(META, {"output.weight"})
    assert config["tie_word_embeddings"] is False and "quantization" not in config


def test_other_architectures_rejected() -> None:
    with pytest.raises(ValueError, match="only llama"):
        llama_config({**META, "general.architecture": "qwen2"}, set())
