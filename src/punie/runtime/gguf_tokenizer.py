"""Build a Hugging Face `tokenizer.json` from a GPT-2 style (byte-level BPE) GGUF vocabulary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CONTROL_TOKEN = 3  # GGUF token_type for special/control tokens


def build_tokenizer_json(
    tokens: Sequence[str], merges: Sequence[str], token_types: Sequence[int], pre: str
) -> str:
    """Serialized `tokenizer.json` for byte-level BPE; control tokens become special tokens."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    vocab = {token: index for index, token in enumerate(tokens)}
    pairs: list[tuple[str, str]] = []
    for merge in merges:
        left, right = merge.split(" ", 1)
        pairs.append((left, right))
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False))
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre in {"smollm", "starcoder", "refact"}:
        # llama.cpp's pre-tokenizer for these splits every digit on its own first.
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True), byte_level]
        )
    else:
        tokenizer.pre_tokenizer = byte_level
    tokenizer.decoder = decoders.ByteLevel()
    specials = [
        AddedToken(tok, special=True, normalized=False)
        for tok, kind in zip(tokens, token_types, strict=True)
        if kind == CONTROL_TOKEN
    ]
    tokenizer.add_special_tokens(specials)
    return str(tokenizer.to_str())


def tokenizer_config(
    tokens: Sequence[str], metadata: Mapping[str, Any], chat_template: str
) -> dict[str, Any]:
    """`tokenizer_config.json` with the special tokens and the chat template to install."""

    def token(key: str) -> str | None:
        if key not in metadata:
            return None
        value = metadata[key]
        return tokens[int(value.item() if hasattr(value, "item") else value)]

    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": token("tokenizer.ggml.bos_token_id"),
        "eos_token": token("tokenizer.ggml.eos_token_id"),
        "unk_token": token("tokenizer.ggml.unknown_token_id"),
        "pad_token": token("tokenizer.ggml.padding_token_id"),
        "add_bos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": int(metadata["llama.context_length"].item())
        if "llama.context_length" in metadata
        else 8192,
        "chat_template": chat_template,
    }
