"""An mlx-lm LoRA adapter as a llama.cpp LoRA GGUF, so the llama.cpp engine serves the very adapter
punie trained (pure mapping, plus a child entry point that writes the file with MLX).

Usage: python -m punie.serve.lora_gguf ADAPTER_DIR OUT.gguf

mlx-lm adds ``scale * (x @ lora_a) @ lora_b`` to a linear layer, ``lora_a`` shaped (in, rank) and
``lora_b`` (rank, out). llama.cpp reads ``<base tensor>.lora_a`` shaped (rank, in) and
``.lora_b`` (out, rank) in row-major terms, and scales by ``alpha / rank``: so each matrix is
transposed and ``alpha = scale * rank``. The embedded model's MLX weights keep GGUF's row order
for Q and K (its config says ``rope_traditional``), so no row is permuted.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from punie.errors import AdapterError, install_excepthook
from punie.runtime.gguf_layout import LAYER_PARTS
from punie.serve.adapter_check import ADAPTER_WEIGHTS

_MLX_KEY = re.compile(r"^(?:model\.)?layers\.(\d+)\.(.+)\.(lora_a|lora_b)$")
_GGUF_PART = {hf: gguf for gguf, hf in LAYER_PARTS.items()}


def gguf_lora_name(mlx_name: str) -> str:
    """Pure: `model.layers.3.self_attn.q_proj.lora_a` -> `blk.3.attn_q.weight.lora_a`."""
    match = _MLX_KEY.match(mlx_name)
    if match is None or match[2] not in _GGUF_PART:
        raise AdapterError(
            f"{mlx_name}: the llama.cpp engine serves LoRA on a block's linear layers only "
            "(use --engine mlx for this adapter)"
        )
    return f"blk.{match[1]}.{_GGUF_PART[match[2]]}.weight.{match[3]}"


def lora_scale(adapter_config: Mapping[str, Any]) -> tuple[float, int]:
    """Pure: (scale, rank) of an mlx-lm LoRA adapter; any other fine-tune type is refused."""
    kind = adapter_config.get("fine_tune_type", "lora")
    if kind != "lora":
        raise AdapterError(f"a {kind} adapter cannot be served by the llama.cpp engine (use --engine mlx)")
    parameters = adapter_config.get("lora_parameters") or {}
    return float(parameters.get("scale", 20.0)), int(parameters.get("rank", 8))


def write_lora_gguf(adapter_dir: Path, out: Path) -> int:
    """Write `out`; return how many matrices it holds. Needs MLX (run it in a child process)."""
    import mlx.core as mx

    config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    scale, rank = lora_scale(config)
    loaded: Any = mx.load(str(adapter_dir / ADAPTER_WEIGHTS))
    tensors = {gguf_lora_name(name): mx.array(value.T).astype(mx.float32) for name, value in loaded.items()}
    metadata: dict[str, Any] = {
        "general.type": "adapter",
        "general.architecture": "llama",
        "adapter.type": "lora",
        "adapter.lora.alpha": mx.array(scale * rank, dtype=mx.float32),
    }
    partial = out.with_name(f".{out.stem}.partial.gguf")  # mx.save_gguf wants the suffix
    mx.save_gguf(str(partial), tensors, metadata)
    partial.replace(out)
    return len(tensors)


def main() -> None:
    install_excepthook()  # an entry point: a PunieError is one line, as in the CLI
    count = write_lora_gguf(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({"matrices": count}))


if __name__ == "__main__":
    main()
