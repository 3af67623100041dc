"""Find an optimized BLAS for mlx-lm child processes on Linux.

The `mlx[cpu]` wheel links netlib's *reference* BLAS (see FINDINGS): a 1024x1024 matmul runs at
~5 GFLOP/s. Preloading OpenBLAS into the child (``LD_PRELOAD``) makes the same call ~270 GFLOP/s and
LoRA training ~25x faster. The parent never loads MLX's BLAS itself; only children get the preload.

Search order: ``$PUNIE_BLAS`` (a library path, or ``reference`` to switch this off), the OpenBLAS
shipped by the ``cmeel-openblas`` wheel (a default Linux x86_64 dependency), the system's OpenBLAS,
then MKL's ``libmkl_rt`` inside the environment.
"""

from __future__ import annotations

import ctypes.util
import glob
import os
import sys
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SYSTEM_OPENBLAS_GLOBS = (
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
)


@dataclass(frozen=True)
class BlasChoice:
    """The BLAS a child process will use. `preload` is None for the engine's own BLAS."""

    name: str
    preload: Path | None = None
    library_dirs: tuple[Path, ...] = ()

    @property
    def optimized(self) -> bool:
        return self.preload is not None


REFERENCE = BlasChoice(name="reference (as linked by the mlx wheel)")
NATIVE = BlasChoice(name="native (Accelerate / vendor)")


def _site_dirs() -> list[Path]:
    dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    dirs.update(p for p in sys.path if p.endswith("site-packages"))
    return [Path(d) for d in sorted(dirs) if Path(d).is_dir()]


def mlx_cpu_libs_dir() -> Path | None:
    """The folder of libraries the mlx-cpu wheel bundles (reference BLAS, libgfortran)."""
    for site in _site_dirs():
        candidate = site / "mlx_cpu.libs"
        if candidate.is_dir():
            return candidate
    return None


def _gfortran_shim(libs: Path | None, shim_root: Path) -> tuple[Path, ...]:
    """cmeel's OpenBLAS needs `libgfortran.so.5`; point it at a copy already on disk."""
    if ctypes.util.find_library("gfortran"):
        return ()
    sources = sorted(glob.glob(str(libs / "libgfortran-*.so.5*"))) if libs else []
    if not sources:
        for site in _site_dirs():
            sources = sorted(glob.glob(str(site / "numpy.libs" / "libgfortran-*.so.5*")))
            if sources:
                libs = site / "numpy.libs"
                break
    if not sources or libs is None:
        return ()
    shim_root.mkdir(parents=True, exist_ok=True)
    link = shim_root / "libgfortran.so.5"
    if not link.exists() or link.resolve() != Path(sources[0]).resolve():
        tmp = shim_root / f".libgfortran.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(sources[0])
        os.replace(tmp, link)
    return (shim_root, libs)


def find_blas(env: Mapping[str, str] | None = None, shim_root: Path | None = None) -> BlasChoice:
    """Pick the BLAS children will use on this machine."""
    env = os.environ if env is None else env
    if sys.platform != "linux":
        return NATIVE
    requested = env.get("PUNIE_BLAS", "").strip()
    if requested.lower() in {"reference", "none", "off"}:
        return REFERENCE
    libs = mlx_cpu_libs_dir()
    if requested:
        path = Path(requested)
        if not path.is_file():
            return REFERENCE
        return BlasChoice(f"PUNIE_BLAS={path}", path, (libs,) if libs else ())
    if shim_root is None:
        from punie.runtime.paths import punie_home

        shim_root = punie_home(dict(env)) / "runtime" / "libshim"
    for site in _site_dirs():
        lib = site / "cmeel.prefix" / "lib" / "libopenblas.so.0"
        if lib.is_file():
            dirs = _gfortran_shim(libs, shim_root)
            if dirs or ctypes.util.find_library("gfortran"):
                return BlasChoice("OpenBLAS (cmeel-openblas wheel)", lib, dirs)
    for pattern in SYSTEM_OPENBLAS_GLOBS:
        if Path(pattern).is_file():
            return BlasChoice("OpenBLAS (system)", Path(pattern))
    for site in [Path(sys.prefix) / "lib", *_site_dirs()]:
        found = sorted(glob.glob(str(site / "libmkl_rt.so*")))
        if found:
            return BlasChoice("MKL (libmkl_rt)", Path(found[0]))
    return REFERENCE


def apply_blas(base: Mapping[str, str], blas: BlasChoice) -> dict[str, str]:
    """A copy of `base` in which a child process loads `blas` ahead of the reference one."""
    env = dict(base)
    if blas.preload is None:
        return env
    preload = [str(blas.preload)]
    if env.get("LD_PRELOAD"):
        preload.append(env["LD_PRELOAD"])
    env["LD_PRELOAD"] = " ".join(preload)
    dirs = [str(d) for d in blas.library_dirs]
    if env.get("LD_LIBRARY_PATH"):
        dirs.append(env["LD_LIBRARY_PATH"])
    if dirs:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(dirs)
    return env
