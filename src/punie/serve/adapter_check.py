"""Check an adapter directory against its base model before a server is started with it.

Some mlx-lm releases have silently ignored `--adapter-path`; a server that quietly serves the base
model makes every adapter look useless. So: the directory must hold `adapter_config.json` and
`adapters.safetensors`, and every LoRA matrix must fit a layer and projection of the base model.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

from punie.errors import AdapterError
from punie.runtime.adapter_files import ADAPTER_WEIGHTS

__all__ = ["ADAPTER_WEIGHTS", "check_adapter"]
LORA_KEY = re.compile(r"^(?:model\.)?layers\.(\d+)\.(.+)\.(lora_a|lora_b)$")


DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}  # bfloat16: widened below


def lora_update_size(adapter_dir: Path) -> float | None:
    """The largest entry of the adapter's LoRA update's B matrices, times its scale (B starts at
    zero: an adapter whose B is still near zero answers as the base model does, applied or not);
    None when it cannot be read. Only the B matrices are read."""
    import numpy as np

    path = adapter_dir / ADAPTER_WEIGHTS
    largest = 0.0
    try:
        config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
        scale = float((config.get("lora_parameters") or {}).get("scale", 1.0))
        header, data_start = read_safetensors_header(path)
        with open(path, "rb") as handle:
            for name, entry in header.items():
                if not name.endswith("lora_b"):
                    continue
                start, end = entry["data_offsets"]
                handle.seek(data_start + start)
                raw = handle.read(end - start)
                if entry["dtype"] == "BF16":
                    values = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
                elif entry["dtype"] in DTYPES:
                    values = np.frombuffer(raw, DTYPES[entry["dtype"]])
                else:
                    return None
                if values.size:
                    largest = max(largest, float(np.abs(values).max()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return largest * abs(scale)


def read_safetensors_header(path: Path) -> tuple[dict[str, Any], int]:
    """A safetensors file's JSON header (tensor name -> dtype, shape, offsets) and where its data
    starts; ValueError for a file that is not one."""
    with open(path, "rb") as handle:
        raw = handle.read(8)
        if len(raw) != 8:
            raise ValueError("file too short for a safetensors header")
        (size,) = struct.unpack("<Q", raw)
        if size > 100_000_000:
            raise ValueError("implausible safetensors header size")
        header = json.loads(handle.read(size))
    if not isinstance(header, dict):
        raise ValueError("a safetensors header is a JSON object")
    return {k: v for k, v in header.items() if k != "__metadata__"}, 8 + size


def read_safetensors_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape, from a safetensors file's JSON header (no weights are loaded)."""
    header, _ = read_safetensors_header(path)
    return {k: tuple(v["shape"]) for k, v in header.items()}


def projection_dims(config: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Pure: (input, output) size of each linear layer in a llama-like block."""
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    head_dim = int(config.get("head_dim") or hidden // heads)
    kv = int(config.get("num_key_value_heads") or heads) * head_dim
    inter = int(config.get("intermediate_size", 0))
    return {
        "self_attn.q_proj": (hidden, heads * head_dim),
        "self_attn.k_proj": (hidden, kv),
        "self_attn.v_proj": (hidden, kv),
        "self_attn.o_proj": (heads * head_dim, hidden),
        "mlp.gate_proj": (hidden, inter),
        "mlp.up_proj": (hidden, inter),
        "mlp.down_proj": (inter, hidden),
    }


def adapter_mismatches(shapes: dict[str, tuple[int, ...]], config: dict[str, Any]) -> list[str]:
    """Pure: each LoRA matrix that does not fit the base model described by `config`."""
    problems = []
    layers = int(config.get("num_hidden_layers", 0))
    dims = projection_dims(config) if "hidden_size" in config else {}
    for name, shape in sorted(shapes.items()):
        match = LORA_KEY.match(name)
        if not match:
            continue
        layer, module, which = int(match[1]), match[2], match[3]
        if layers and layer >= layers:
            problems.append(f"{name}: layer {layer} but the model has {layers} layers")
            continue
        if module in dims and len(shape) == 2:
            in_dim, out_dim = dims[module]
            got = shape[0] if which == "lora_a" else shape[1]
            want = in_dim if which == "lora_a" else out_dim
            if got != want:
                problems.append(f"{name}: shape {shape} does not fit {module} ({in_dim}->{out_dim})")
    return problems


def check_adapter(adapter_dir: Path, model_dir: Path) -> None:
    """Raise `AdapterError` unless `adapter_dir` is a LoRA adapter for the model in `model_dir`."""
    if not adapter_dir.is_dir():
        raise AdapterError(f"adapter directory not found: {adapter_dir}")
    config_file = adapter_dir / "adapter_config.json"
    weights = adapter_dir / ADAPTER_WEIGHTS
    for needed in (config_file, weights):
        if not needed.is_file():
            raise AdapterError(f"{adapter_dir} is not an adapter: {needed.name} is missing")
    try:
        json.loads(config_file.read_text())
        shapes = read_safetensors_shapes(weights)
    except (ValueError, OSError) as exc:
        raise AdapterError(f"{adapter_dir}: unreadable adapter ({exc})") from exc
    if not shapes:
        raise AdapterError(f"{weights}: holds no adapter weights")
    model_config = json.loads((model_dir / "config.json").read_text())
    problems = adapter_mismatches(shapes, model_config)
    if problems:
        shown = "; ".join(problems[:3])
        raise AdapterError(
            f"adapter {adapter_dir} does not match model {model_dir} "
            f"({len(problems)} mismatched matrices): {shown}"
        )
