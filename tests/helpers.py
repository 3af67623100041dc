"""Helpers shared by tests."""

from __future__ import annotations

import json
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def punie_cmd(*args: str) -> list[str]:
    """argv that runs the punie CLI of this checkout."""
    return [sys.executable, "-m", "punie.cli", *args]


def run_punie(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(punie_cmd(*args), capture_output=True, text=True, timeout=timeout)


def write_safetensors_header(path: Path, shapes: dict[str, tuple[int, ...]]) -> None:
    """A valid safetensors file of float32 zeros with the given tensor shapes."""
    header: dict[str, object] = {}
    offset = 0
    for name, shape in shapes.items():
        size = 4
        for dim in shape:
            size *= dim
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))


SMOL_CONFIG = {
    "model_type": "llama",
    "hidden_size": 576,
    "num_hidden_layers": 30,
    "intermediate_size": 1536,
    "num_attention_heads": 9,
    "num_key_value_heads": 3,
    "head_dim": 64,
}


def lora_shapes(layers: range, rank: int = 4, kv_out: int = 192) -> dict[str, tuple[int, ...]]:
    """LoRA matrices for q and v projections of SmolLM2-135M in mlx-lm's naming."""
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in layers:
        shapes[f"model.layers.{layer}.self_attn.q_proj.lora_a"] = (576, rank)
        shapes[f"model.layers.{layer}.self_attn.q_proj.lora_b"] = (rank, 576)
        shapes[f"model.layers.{layer}.self_attn.v_proj.lora_a"] = (576, rank)
        shapes[f"model.layers.{layer}.self_attn.v_proj.lora_b"] = (rank, kv_out)
    return shapes


def write_adapter(directory: Path, shapes: dict[str, tuple[int, ...]], num_layers: int = 2) -> Path:
    """An adapter directory in mlx-lm's layout (zero weights: it changes nothing)."""
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "fine_tune_type": "lora",
        "num_layers": num_layers,
        "lora_parameters": {
            "rank": 4,
            "scale": 20.0,
            "dropout": 0.0,
            "keys": ["self_attn.q_proj", "self_attn.v_proj"],
        },
    }
    (directory / "adapter_config.json").write_text(json.dumps(config))
    write_safetensors_header(directory / "adapters.safetensors", shapes)
    return directory


def as_from_a_terminal() -> None:
    """`preexec_fn` for a child the test will Ctrl-C: SIGINT back to its default disposition.

    A shell starts background jobs with SIGINT ignored, and Python then installs no KeyboardInterrupt
    handler; a test run from such a job would otherwise send a Ctrl-C that nothing can see.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ctrl_c_when(args: list[str], ready: Callable[[], bool], wait: float = 180) -> tuple[int, str]:
    """Run the punie CLI, send it Ctrl-C (SIGINT) once `ready()` holds (or after `wait` s), and
    return its exit code and stderr; the process is always reaped."""
    proc = subprocess.Popen(
        punie_cmd(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
    )
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not ready():
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    return proc.returncode, err


def fake_eval_config(suite: Any, tmp_path: Path, concurrency: int = 1, **kw: Any) -> Any:
    """An EvalRunConfig against the in-process fake server at http://fake/v1 (no speed probe);
    `kw` names EvalRunConfig's fields and EvalSettings' alike."""
    import dataclasses

    from punie.eval.run_config import EvalRunConfig, EvalSettings
    from punie.serve.endpoint import Endpoint

    names = {f.name for f in dataclasses.fields(EvalSettings)}
    settings = {
        "concurrency": concurrency,
        "prompt_timeout": 60.0,
        **{k: v for k, v in kw.items() if k in names},
    }
    fields = {
        "suite": suite,
        "output_dir": tmp_path / "run",
        "manage_server": False,
        "endpoints": (Endpoint("http://fake/v1", concurrency=concurrency),),
        "settings": EvalSettings(**settings),
        **{k: v for k, v in kw.items() if k not in names},
    }
    return EvalRunConfig(**fields)


def experiment_id(client: Any) -> str:
    """MLflow's experiment `punie`, which the run must have created."""
    experiment = client.get_experiment_by_name("punie")
    assert experiment is not None, "no MLflow experiment `punie`"
    return str(experiment.experiment_id)
