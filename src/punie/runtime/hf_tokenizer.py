"""Load a model directory's Hugging Face tokenizer in this process (no torch needed, no network)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def load_tokenizer(model_dir: Path) -> Any:
    """The tokenizer (with its chat template) that mlx-lm will use for `model_dir`."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # silences "PyTorch was not found"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(model_dir))
