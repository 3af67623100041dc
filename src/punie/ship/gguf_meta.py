"""What mlx-lm's GGUF export leaves out, and the Ollama Modelfile (pure).

`mlx_lm fuse --export-gguf` writes the weights and a SentencePiece-style ("llama") vocabulary. A
byte-level BPE model such as SmolLM2 also needs its merges and pre-tokenizer name, or llama.cpp
and Ollama tokenize every prompt wrongly; readers also want the vocabulary size and the chat
template. These functions compute that metadata from the fused model's own tokenizer files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

CONTROL = 3  # GGUF token_type of a special (control) token
NORMAL = 1


def pre_tokenizer_name(pre: Mapping[str, Any] | None) -> str:
    """Pure: llama.cpp's name for a byte-level pre-tokenizer: "smollm" when digits are split one
    by one before the byte-level step (SmolLM, StarCoder), "gpt-2" for byte-level alone."""
    if not pre:
        raise ValueError("the tokenizer has no pre-tokenizer: not a byte-level BPE tokenizer")
    parts = list(pre.get("pretokenizers") or []) if pre.get("type") == "Sequence" else [pre]
    kinds = [part.get("type") for part in parts]
    if kinds == ["ByteLevel"]:
        return "gpt-2"
    if kinds == ["Digits", "ByteLevel"] and parts[0].get("individual_digits"):
        return "smollm"
    raise ValueError(f"no llama.cpp pre-tokenizer is known for {kinds}")


def _merges(model: Mapping[str, Any]) -> list[str]:
    merges = model.get("merges") or []
    return [m if isinstance(m, str) else " ".join(m) for m in merges]


def bpe_metadata(tokenizer: Mapping[str, Any], vocab_size: int) -> dict[str, Any] | None:
    """Pure: the tokenizer metadata llama.cpp reads for a byte-level BPE `tokenizer.json` (None
    for other tokenizers, whose metadata mlx-lm writes itself): the token list by id, their
    types (added special tokens are control tokens), merges and pre-tokenizer name."""
    model = tokenizer.get("model") or {}
    if model.get("type") != "BPE":
        return None
    by_id: dict[int, str] = {int(i): t for t, i in (model.get("vocab") or {}).items()}
    specials: set[int] = set()
    for added in tokenizer.get("added_tokens") or []:
        by_id[int(added["id"])] = str(added["content"])
        if added.get("special"):
            specials.add(int(added["id"]))
    size = max(vocab_size, max(by_id, default=-1) + 1)
    missing = [i for i in range(size) if i not in by_id]
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(size)]  # llama.cpp's name for unused ids
    return {
        "tokenizer.ggml.model": "gpt2",
        "tokenizer.ggml.pre": pre_tokenizer_name(tokenizer.get("pre_tokenizer")),
        "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.merges": _merges(model),
        "token_types": [CONTROL if i in specials or i in missing else NORMAL for i in range(size)],
        "vocab_size": size,
    }


# ollama_tools.tmpl: Ollama's Go template for punie's tools chat template (chatml_tools.jinja):
# the same system prompt with the tools in <tools>, calls as <tool_call> JSON, results as
# <tool_response> in a user turn. A model fused from an adapter trained through that template needs it to call
# tools in Ollama the way it learnt to.
def ollama_tools_template() -> str:
    return resources.files("punie.ship").joinpath("ollama_tools.tmpl").read_text(encoding="utf-8")


def modelfile(gguf_name: str, chatml_tools: bool, stops: Sequence[str]) -> str:
    """Pure: an Ollama Modelfile beside `gguf_name` (`ollama create NAME -f Modelfile`): greedy
    by default, as punie evaluates, stopping at the model's end tokens. The template is given
    only for punie's own tools template; otherwise Ollama's default applies and the file says so."""
    lines = [
        "# Written by `punie fuse`. Load it with: ollama create NAME -f Modelfile",
        f"FROM ./{gguf_name}",
    ]
    if chatml_tools:
        lines.append(f'TEMPLATE """{ollama_tools_template()}"""')
    else:
        lines.append("# The model's chat template is not punie's: write its TEMPLATE by hand.")
    lines += [f'PARAMETER stop "{stop}"' for stop in stops]
    lines.append("PARAMETER temperature 0")
    return "\n".join(lines) + "\n"
