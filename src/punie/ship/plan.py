"""What `punie fuse` makes, and the mlx-lm commands that make it (pure).

One output directory holds everything a fuse produces:

    OUTPUT/mlx/          the fused float model (mlx_lm fuse), registered as NAME
    OUTPUT/mlx-q4/       a quantized copy (mlx_lm convert -q), registered as NAME-q4
    OUTPUT/gguf/         NAME.gguf (mlx_lm fuse --export-gguf, tokenizer metadata completed) and
                         an Ollama Modelfile beside it
    OUTPUT/fuse.json     what was made and what the checks measured
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie.errors import UsageError
from punie.runtime.registry import NAME

QUANT_BITS = (4, 8)
GGUF_FROM_FUSE = "model.gguf"  # where mlx_lm fuse writes it, inside the fused directory


@dataclass(frozen=True)
class AdapterSource:
    """An adapter directory and the base model it was trained on."""

    adapter_dir: Path
    base_model: str  # as the user named it (alias, directory or hub id)
    run_name: str  # the training run's name, the default model name's stem


def read_adapter(adapter_dir: Path, base_model: str | None = None) -> AdapterSource:
    """The adapter in `adapter_dir` and its base model: `base_model`, else the model its training
    run recorded (run.json), else mlx-lm's adapter_config.json."""
    config_file = adapter_dir / "adapter_config.json"
    if not adapter_dir.is_dir():
        raise UsageError(f"{adapter_dir}: no such adapter directory")
    if not config_file.is_file() or not (adapter_dir / "adapters.safetensors").is_file():
        raise UsageError(f"{adapter_dir}: not an adapter (adapter_config.json and adapters.safetensors)")
    named = base_model or _recorded_model(adapter_dir)
    if named is None:
        raise UsageError(f"{config_file}: model: missing; give the base model with --model")
    run_name = adapter_dir.parent.name if adapter_dir.name == "adapter" else adapter_dir.name
    return AdapterSource(adapter_dir, named, run_name)


def _recorded_model(adapter_dir: Path) -> str | None:
    for name, field_of in (("run.json", _run_model), ("adapter_config.json", _config_model)):
        path = adapter_dir / name
        if path.is_file():
            try:
                found = field_of(json.loads(path.read_text(encoding="utf-8")))
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
            if found:
                return found
    return None


def _run_model(data: Any) -> str | None:
    config = data.get("config") if isinstance(data, dict) else None
    model = config.get("model") if isinstance(config, dict) else None
    return str(model) if model else None


def _config_model(data: Any) -> str | None:
    model = data.get("model") if isinstance(data, dict) else None
    return str(model) if model else None


def default_name(run_name: str) -> str:
    """Pure: a registry name from a run name ("demo-tool-calling" -> "demo-tool-calling-fused")."""
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in run_name.lower()).strip("-._")
    return f"{stem or 'adapter'}-fused"


@dataclass(frozen=True)
class FusePlan:
    source: AdapterSource
    base_dir: Path  # the base model's loadable directory
    output: Path
    name: str
    quantize: int | None = None
    gguf: bool = False

    def __post_init__(self) -> None:
        if self.quantize is not None and self.quantize not in QUANT_BITS:
            raise UsageError(f"--quantize must be 4 or 8, got {self.quantize}")
        if not NAME.match(self.name):
            raise UsageError(
                f"--name {self.name!r}: use lower-case letters, digits, '.', '_' and '-' (at most 80)"
            )

    @property
    def float_dir(self) -> Path:
        return self.output / "mlx"

    @property
    def quant_dir(self) -> Path | None:
        return None if self.quantize is None else self.output / f"mlx-q{self.quantize}"

    @property
    def quant_name(self) -> str | None:
        return None if self.quantize is None else f"{self.name}-q{self.quantize}"

    @property
    def gguf_file(self) -> Path:
        return self.output / "gguf" / f"{self.name}.gguf"

    @property
    def summary_file(self) -> Path:
        return self.output / "fuse.json"


def _engine(*args: str) -> list[str]:
    return [sys.executable, "-m", "punie.runtime.engine_main", "mlx_lm", *args]


def fuse_command(plan: FusePlan) -> list[str]:
    """`mlx_lm fuse`: base + adapter -> a float model directory (and its GGUF when asked)."""
    command = _engine(
        "fuse",
        "--model",
        str(plan.base_dir),
        "--adapter-path",
        str(plan.source.adapter_dir),
        "--save-path",
        str(plan.float_dir),
    )
    if plan.gguf:
        command += ["--export-gguf", "--gguf-path", GGUF_FROM_FUSE]
    return command


def quantize_command(plan: FusePlan) -> list[str]:
    """`mlx_lm convert -q`: the fused float model -> a quantized copy."""
    if plan.quant_dir is None:
        raise ValueError("this plan has no quantized copy")
    return _engine(
        "convert",
        "--hf-path",
        str(plan.float_dir),
        "--mlx-path",
        str(plan.quant_dir),
        "-q",
        "--q-bits",
        str(plan.quantize),
    )
