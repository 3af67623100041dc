from pathlib import Path

from punie.runtime.blas import REFERENCE, BlasChoice, apply_blas, find_blas
from punie.runtime.child_env import build_child_env


def test_apply_blas_preloads_and_keeps_existing_values() -> None:
    blas = BlasChoice("x", Path("/lib/libopenblas.so.0"), (Path("/shim"),))
    env = apply_blas({"LD_PRELOAD": "/other.so", "LD_LIBRARY_PATH": "/usr/x", "A": "1"}, blas)
    assert env["LD_PRELOAD"] == "/lib/libopenblas.so.0 /other.so"
    assert env["LD_LIBRARY_PATH"] == "/shim:/usr/x"
    assert env["A"] == "1"


def test_reference_blas_changes_nothing() -> None:
    base = {"A": "1"}
    assert apply_blas(base, REFERENCE) == base
    assert not REFERENCE.optimized


def test_child_env_is_offline_and_unbuffered() -> None:
    env = build_child_env({"PATH": "/bin"}, REFERENCE)
    assert env["HF_HUB_OFFLINE"] == "1" and env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"] == "/bin"


def test_punie_blas_reference_switches_preload_off(tmp_path: Path) -> None:
    assert find_blas({"PUNIE_BLAS": "reference"}, shim_root=tmp_path) == REFERENCE


def test_punie_blas_path_is_used(tmp_path: Path) -> None:
    lib = tmp_path / "libmyblas.so"
    lib.write_bytes(b"")
    choice = find_blas({"PUNIE_BLAS": str(lib)}, shim_root=tmp_path)
    assert choice.preload == lib
