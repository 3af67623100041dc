"""Check a model directory before anything loads it: one line naming the file, not a traceback
from deep inside mlx-lm (or, for `serve`, from the server's log)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from punie.errors import UsageError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json")


def model_dir_problem(path: Path) -> str | None:
    """What keeps mlx-lm from loading the model in `path` (None when nothing is seen): config.json
    parses to an object whose model_type mlx-lm knows and whose settings its ModelArgs accepts, and
    weights and a tokenizer are present."""
    config_file = path / "config.json"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{path} is not an MLX model directory (it has no config.json)"
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = f":{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        return f"{config_file}{line}: not valid JSON ({exc})"
    if not isinstance(config, dict):
        return f"{config_file}: expected a JSON object"
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        return f"{config_file}: model_type: missing or not a string"
    try:
        module = importlib.import_module(f"mlx_lm.models.{model_type}")
    except ImportError:
        return f"{config_file}: model_type: {model_type!r} is not a model type mlx-lm supports"
    try:
        module.ModelArgs.from_dict(config)
    except (TypeError, ValueError, KeyError) as exc:
        return f"{config_file}: {exc}"
    if not any(path.glob("*.safetensors")):
        return f"{path}: no *.safetensors weights"
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        return f"{path}: no tokenizer ({', '.join(TOKENIZER_FILES)})"
    return None


def check_model_dir(path: Path) -> None:
    problem = model_dir_problem(path)
    if problem:
        raise UsageError(problem)
