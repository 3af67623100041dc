"""Complete and verify the GGUF that `mlx_lm fuse --export-gguf` wrote (runs in a child process).

Usage: python -m punie.ship.gguf_child FUSED_DIR GGUF_FILE

1. Completes the metadata (punie.ship.gguf_meta): byte-level BPE tokenizer, vocabulary size,
   chat template. A model whose config says `rope_traditional` (the embedded model, converted
   from a GGUF) already holds Q and K in GGUF's interleaved layout; mlx-lm's export permutes
   them once more, so that permutation is undone here.
2. Verifies the file by reading it back the way punie reads the embedded GGUF (runtime/prepare):
   an MLX directory rebuilt from the GGUF alone must tokenize like the fused model and give the
   same next tokens in a forward pass.

Prints one JSON object with what it measured; exits 1 when the check fails.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from punie.errors import install_excepthook
from punie.ship.gguf_meta import bpe_metadata

CHECK_TEXTS = (
    "Read the file src/app.py, then run `pytest -q` in 2 steps.",
    "<|im_start|>user\nWhat is 12 + 30?<|im_end|>\n<|im_start|>assistant\n",
)


def _unpermute(weight: Any, heads: int) -> Any:
    """The inverse of mlx-lm's GGUF permutation of a Q or K projection."""
    rows = weight.shape[0]
    return (
        weight.reshape(heads, rows // heads // 2, 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)
    )


def complete(fused: Path, gguf: Path) -> dict[str, Any]:
    import mlx.core as mx

    loaded: Any = mx.load(str(gguf), return_metadata=True)
    weights: dict[str, Any] = loaded[0]
    metadata: dict[str, Any] = loaded[1]
    config = json.loads((fused / "config.json").read_text())
    if config.get("rope_traditional"):
        heads, kv_heads = config["num_attention_heads"], config.get("num_key_value_heads")
        for name in list(weights):
            if name.endswith("attn_q.weight"):
                weights[name] = _unpermute(weights[name], heads)
            elif name.endswith("attn_k.weight"):
                weights[name] = _unpermute(weights[name], kv_heads or heads)
    tokenizer = json.loads((fused / "tokenizer.json").read_text(encoding="utf-8"))
    bpe = bpe_metadata(tokenizer, int(config["vocab_size"]))
    if bpe is not None:
        metadata.update({k: v for k, v in bpe.items() if k.startswith("tokenizer.")})
        metadata["tokenizer.ggml.token_type"] = mx.array(bpe["token_types"], dtype=mx.uint32)
        metadata.pop("tokenizer.ggml.scores", None)
    metadata["llama.vocab_size"] = mx.array(int(config["vocab_size"]), dtype=mx.uint32)
    template = _chat_template(fused)
    if template:
        metadata["tokenizer.chat_template"] = template
    partial = gguf.with_name(f".{gguf.stem}.partial.gguf")  # mx.save_gguf wants the suffix
    mx.save_gguf(str(partial), weights, metadata)
    partial.replace(gguf)
    return {"tokenizer": str(metadata["tokenizer.ggml.model"]), "pre": bpe and bpe["tokenizer.ggml.pre"]}


def _chat_template(model_dir: Path) -> str | None:
    jinja = model_dir / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    config = model_dir / "tokenizer_config.json"
    template = (
        json.loads(config.read_text(encoding="utf-8")).get("chat_template") if config.is_file() else None
    )
    return template if isinstance(template, str) else None


def verify(fused: Path, gguf: Path) -> dict[str, Any]:
    import mlx.core as mx

    from punie.runtime.prepare import write_mlx_dir

    with tempfile.TemporaryDirectory() as tmp:
        rebuilt = Path(tmp) / "from-gguf"
        write_mlx_dir(gguf, rebuilt)
        model_a, tok_a = _load(str(fused))
        model_b, tok_b = _load(str(rebuilt))
        same_tokens = all(tok_a.encode(t) == tok_b.encode(t) for t in CHECK_TEXTS)
        ids = mx.array([tok_a.encode(CHECK_TEXTS[1])])
        logits_a: Any = model_a(ids).astype(mx.float32)
        logits_b: Any = model_b(ids).astype(mx.float32)
        diff: Any = mx.max(mx.abs(logits_a - logits_b)).item()
        agree: Any = mx.mean((logits_a.argmax(-1) == logits_b.argmax(-1)).astype(mx.float32)).item()
    return {
        "same_tokenization": same_tokens,
        "max_logit_difference": float(diff),
        "next_token_agreement": float(agree),
    }


def _load(path: str) -> tuple[Any, Any]:
    from mlx_lm import load

    loaded: Any = load(path)
    return loaded[0], loaded[1]


def main() -> None:
    install_excepthook()  # an entry point: a PunieError is one line, as in the CLI
    fused, gguf = Path(sys.argv[1]), Path(sys.argv[2])
    result = complete(fused, gguf)
    result.update(verify(fused, gguf))
    result["ok"] = bool(result["same_tokenization"] and result["next_token_agreement"] == 1.0)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
