"""Run inside a child process: report MLX's device and a measured fp32 matmul rate as JSON.

Usage: python -m punie.runtime.probe_child [size]
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from punie.errors import install_excepthook


def _gpu_bf16_tflops(mx: Any, size: int = 8192) -> float:
    """A measured bf16 matrix product rate on the GPU (warm-up excluded)."""
    with mx.stream(mx.gpu):
        a = mx.random.normal((size, size)).astype(mx.bfloat16)
        b = mx.random.normal((size, size)).astype(mx.bfloat16)
        mx.eval(a, b)
        for _ in range(3):
            mx.eval(a @ b)
        count, start = 0, time.perf_counter()
        while count < 10 or time.perf_counter() - start < 1.0:
            mx.eval(a @ b)
            count += 1
        elapsed = time.perf_counter() - start
    return 2 * size**3 * count / elapsed / 1e12


def main() -> None:
    install_excepthook()  # an entry point: a PunieError is one line, as in the CLI
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    import mlx.core as mx

    report: dict[str, object] = {
        "mlx": getattr(mx, "__version__", "?"),
        "default_device": str(mx.default_device()),
    }
    try:
        report["metal"] = bool(mx.metal.is_available())
    except AttributeError:
        report["metal"] = False
    try:
        report["cuda"] = bool(mx.cuda.is_available())
    except AttributeError:
        report["cuda"] = False
    with mx.stream(mx.cpu):
        a = mx.random.normal((size, size))
        b = mx.random.normal((size, size))
        mx.eval(a, b, a @ b)
        count, start = 0, time.perf_counter()
        while count < 2 or time.perf_counter() - start < 0.5:
            mx.eval(a @ b)
            count += 1
        elapsed = time.perf_counter() - start
    report["cpu_matmul_gflops"] = 2 * size**3 * count / elapsed / 1e9
    if report["cuda"] or report["metal"]:
        report["gpu_bf16_tflops"] = _gpu_bf16_tflops(mx)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
