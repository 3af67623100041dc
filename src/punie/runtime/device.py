"""Which device the engine's child processes use: `--device auto|cpu|gpu`.

The parent decides (a probe child says what MLX sees) and passes the choice down in
`PUNIE_DEVICE`; each child applies it with `apply_in_child()` before loading a model. `auto` is
the GPU when MLX sees one (CUDA or Metal), else the CPU.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from punie.errors import UsageError

DeviceRequest = Literal["auto", "cpu", "gpu"]
DEVICE_ENV = "PUNIE_DEVICE"
DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")


@dataclass(frozen=True)
class GpuInfo:
    available: bool
    backend: str = ""  # cuda | metal
    name: str = ""
    memory_gb: float | None = None
    error: str = ""


def check_request(device: str) -> DeviceRequest:
    if device not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got {device!r}")
    return device  # type: ignore[return-value]


def with_device(env: Mapping[str, str], device: str) -> dict[str, str]:
    """Pure: `env` with the device a child must use (auto leaves MLX's own default)."""
    out = dict(env)
    if device in ("cpu", "gpu"):
        out[DEVICE_ENV] = device
    else:
        out.pop(DEVICE_ENV, None)
    return out


GPU_PROBE = """
import json, mlx.core as mx
info = {"cuda": False, "metal": False, "name": "", "memory_gb": None}
try: info["cuda"] = bool(mx.cuda.is_available())
except Exception: pass
try: info["metal"] = bool(mx.metal.is_available())
except Exception: pass
if info["cuda"] or info["metal"]:
    try:
        d = mx.device_info()
        info["name"] = str(d.get("device_name", d.get("architecture", "")))
        mem = d.get("memory_size") or d.get("total_memory")
        info["memory_gb"] = mem / 1e9 if mem else None
    except Exception as exc:
        info["name"] = "unknown (" + str(exc) + ")"
print(json.dumps(info))
"""


@functools.cache
def gpu_info() -> GpuInfo:
    """What MLX sees, asked in a child (a broken CUDA install must not take this process down)."""
    try:
        proc = subprocess.run([sys.executable, "-c", GPU_PROBE], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return GpuInfo(False, error="the GPU probe timed out")
    if proc.returncode != 0:
        return GpuInfo(False, error=(proc.stderr.strip().splitlines() or ["no output"])[-1])
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    backend = "cuda" if data["cuda"] else "metal" if data["metal"] else ""
    return GpuInfo(bool(backend), backend, data["name"], data["memory_gb"])


def resolve_device(request: str) -> Literal["cpu", "gpu"]:
    """The concrete device for `request`; a clear error when the GPU is asked for and absent."""
    request = check_request(request)
    if request == "cpu":
        return "cpu"
    info = gpu_info()
    if info.available:
        return "gpu"
    if request == "gpu":
        why = info.error or "MLX sees no GPU"
        raise UsageError(
            f"--device gpu: no usable GPU ({why}). On NVIDIA Linux install the CUDA build with "
            "`uv sync --no-group cpu --group cuda`; run `punie doctor` to see what is found."
        )
    return "cpu"


def apply_in_child(wanted: str | None = None) -> str:
    """Inside an engine child: make MLX's default device `wanted` (default: the parent's choice in
    `PUNIE_DEVICE`; auto or none leaves MLX's own default). Returns the device in use."""
    import mlx.core as mx

    wanted = wanted or os.environ.get(DEVICE_ENV)
    if wanted == "cpu":
        mx.set_default_device(mx.cpu)
    elif wanted == "gpu":
        mx.set_default_device(mx.gpu)
    return str(mx.default_device())
