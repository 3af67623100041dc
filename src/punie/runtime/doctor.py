"""`punie doctor`: what this machine will run the engine with, measured, with advice."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from punie.runtime.blas import REFERENCE, BlasChoice, find_blas
from punie.runtime.child_env import build_child_env
from punie.runtime.device import gpu_info
from punie.runtime.models import EMBEDDED, embedded_dir
from punie.runtime.paths import punie_home
from punie.runtime.prepare import is_prepared


@dataclass(frozen=True)
class Probe:
    ok: bool
    device: str = ""
    gflops: float = 0.0
    error: str = ""
    gpu_tflops: float | None = None


@dataclass(frozen=True)
class DoctorReport:
    rows: tuple[tuple[str, str], ...]
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def version_of(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def probe(blas: BlasChoice, size: int = 1024, timeout: float = 120.0) -> Probe:
    """Start a child with `blas` and measure its device and fp32 matmul rate."""
    env = build_child_env(os.environ, blas)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "punie.runtime.probe_child", str(size)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return Probe(ok=False, error=f"probe timed out after {timeout:.0f} s")
    if proc.returncode != 0:
        return Probe(ok=False, error=(proc.stderr.strip().splitlines() or ["no output"])[-1])
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return Probe(
        ok=True,
        device=str(data["default_device"]),
        gflops=float(data["cpu_matmul_gflops"]),
        gpu_tflops=data.get("gpu_bf16_tflops"),
    )


def _home_writable(home: Path) -> bool:
    try:
        home.mkdir(parents=True, exist_ok=True)
        test = home / ".write-test"
        test.write_text("ok")
        test.unlink()
        return True
    except OSError:
        return False


def cuda_libraries() -> list[str]:
    """The NVIDIA CUDA wheels installed beside mlx (cuBLAS, cuDNN, NVRTC, ...), with versions."""
    found = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or ""
        if name.lower().startswith("nvidia-"):
            found.append(f"{name} {dist.version}")
    return sorted(set(found))


def gpu_rows(tflops: float | None) -> list[tuple[str, str]]:
    info = gpu_info()
    if not info.available:
        detail = info.error or "MLX sees no GPU"
        return [("GPU", f"none ({detail}); on NVIDIA Linux: `uv sync --no-group cpu --group cuda`")]
    memory = f", {info.memory_gb:.0f} GB" if info.memory_gb else ""
    rows = [("GPU", f"{info.name} ({info.backend}{memory})")]
    if info.backend == "cuda":
        libraries = cuda_libraries()
        rows.append(("CUDA libraries", ", ".join(libraries) if libraries else "none found as wheels"))
    if tflops is not None:
        rows.append(("bf16 matmul on the GPU (8192³)", f"{tflops:.0f} TFLOP/s"))
    return rows


def isolation_rows() -> tuple[list[tuple[str, str]], list[str]]:
    """Which OS isolation contains model-written code here, and what each of its layers enforces."""
    from punie.sandbox import detect

    found = detect()
    if not found.available:
        return [("sandbox", f"NONE: {found.missing}")], [
            f"{found.missing}: code scoring and run_command are refused unless --unsafe-exec"
        ]
    rows = [("sandbox", found.backend + (f" ({found.why})" if found.why else ""))]
    rows += [(f"sandbox layer {n}", layer) for n, layer in enumerate(found.layers, start=1)]
    return rows, []


def run_doctor() -> DoctorReport:
    rows: list[tuple[str, str]] = []
    problems: list[str] = []
    rows.append(("platform", f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"))
    for package in ("mlx", "mlx-lm", "mlx-cpu", "mlx-metal", "mlx-cuda-13", "pydantic-ai-slim"):
        version = version_of(package)
        if version or package in ("mlx", "mlx-lm"):
            rows.append((package, version or "NOT INSTALLED"))
    if not version_of("mlx") or not version_of("mlx-lm"):
        problems.append("mlx / mlx-lm are not installed: run `uv sync` in the project")
    blas = find_blas()
    rows.append(("BLAS for children", blas.name + (f" ({blas.preload})" if blas.preload else "")))
    tuned = probe(blas)
    if not tuned.ok:
        problems.append(f"an mlx child process failed to start: {tuned.error}")
    else:
        rows.append(("device", tuned.device))
        rows.append(("fp32 matmul, with that BLAS", f"{tuned.gflops:.1f} GFLOP/s"))
        if blas.optimized:
            plain = probe(REFERENCE)
            if plain.ok:
                ratio = tuned.gflops / plain.gflops if plain.gflops else float("inf")
                rows.append(
                    ("fp32 matmul, as installed", f"{plain.gflops:.1f} GFLOP/s ({ratio:.0f}x slower)")
                )
        elif sys.platform == "linux" and not gpu_info().available:  # on a GPU the CPU BLAS matters little
            problems.append(
                "children use the reference BLAS (~25x slower training): install an optimized one "
                "(`uv sync` brings cmeel-openblas on x86_64; or `apt-get install libopenblas0-pthread`; "
                "or set PUNIE_BLAS=/path/to/libopenblas.so.0)"
            )
    rows.extend(gpu_rows(tuned.gpu_tflops if tuned.ok else None))
    sandbox_rows, sandbox_problems = isolation_rows()
    rows.extend(sandbox_rows)
    problems.extend(sandbox_problems)
    home = punie_home()
    rows.append(("cache dir (PUNIE_HOME)", str(home)))
    if not _home_writable(home):
        problems.append(f"the cache dir {home} is not writable: set PUNIE_HOME to a writable directory")
    for alias in EMBEDDED:
        for variant in ("q4", "f32"):
            path = embedded_dir(alias, variant)
            state = "prepared" if is_prepared(path) else "not yet prepared (done on first use)"
            rows.append((f"model {alias} ({variant})", state))
    return DoctorReport(rows=tuple(rows), problems=tuple(problems))
