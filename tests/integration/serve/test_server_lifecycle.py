"""The real mlx_lm.server on the embedded model: start, talk through pydantic-ai, stop, faults."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import httpx
import psutil
import pytest
from pydantic_ai import Agent
from pydantic_ai.settings import ModelSettings

from punie.errors import AdapterError, PortInUseError, ServerStartError
from punie.training import ServerConfig, ServerProcess, create_server_model
from tests.helpers import lora_shapes, write_adapter

pytestmark = pytest.mark.integration
SETTINGS = ModelSettings(max_tokens=24, temperature=0.0)


async def test_start_chat_and_stop(serve_model_dir: Path, tmp_path: Path) -> None:
    server = ServerProcess(ServerConfig(model_path="smollm2-135m", port=0), log_path=tmp_path / "s.log")
    await server.start(timeout=60)
    try:
        assert server.is_running and server.config.port != 0
        assert server.config.model_path == str(serve_model_dir)
        assert await server.health_check()
        async with httpx.AsyncClient() as http:  # clients that list models first find the served one
            listed = (await http.get(f"{server.base_url}/models")).json()["data"]
        assert str(serve_model_dir) in [m["id"] for m in listed]
        agent = Agent(create_server_model(server.config), model_settings=SETTINGS)
        result = await agent.run("What is the capital of France?")
        assert "Paris" in result.output
        pid = server.pid
    finally:
        await server.stop()
    assert not server.is_running
    assert not await server.health_check()
    await server.stop()  # a second stop is harmless
    assert pid is not None and not psutil.pid_exists(pid)
    assert "Starting httpd" in (tmp_path / "s.log").read_text() or (tmp_path / "s.log").stat().st_size > 0


async def test_tool_request_is_served(serve_model_dir: Path) -> None:
    async with ServerProcess(ServerConfig(model_path=str(serve_model_dir), port=0)) as server:
        agent = Agent(create_server_model(server.config), model_settings=SETTINGS)

        @agent.tool_plain
        def read_file(path: str) -> str:
            """Read a file."""
            return "print('hi')"

        result = await agent.run("Read main.py with the read_file tool.")
        assert isinstance(result.output, str)


async def test_port_in_use_fails_before_spawning(serve_model_dir: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        server = ServerProcess(ServerConfig(model_path=str(serve_model_dir), port=port))
        started = time.monotonic()
        with pytest.raises(PortInUseError, match=f"port {port}"):
            await server.start()
        assert time.monotonic() - started < 1.0
        assert server.pid is None


async def test_server_that_dies_while_starting_reports_its_log(serve_model_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    shutil.copytree(serve_model_dir, broken)
    (broken / "model.safetensors").write_bytes(b"not safetensors at all")
    server = ServerProcess(ServerConfig(model_path=str(broken), port=0), log_path=tmp_path / "b.log")
    started = time.monotonic()
    with pytest.raises(ServerStartError, match="cannot generate|exited with code") as info:
        await server.start(timeout=60)
    assert time.monotonic() - started < 30
    assert str(tmp_path / "b.log") in str(info.value)
    assert "Invalid json header length" in str(info.value)
    assert not server.is_running


async def test_mismatched_adapter_is_refused_before_launch(serve_model_dir: Path, tmp_path: Path) -> None:
    adapter = write_adapter(tmp_path / "wrong", lora_shapes(range(28, 30), kv_out=576))
    server = ServerProcess(ServerConfig(model_path=str(serve_model_dir), port=0, adapter_path=str(adapter)))
    with pytest.raises(AdapterError, match="does not match"):
        await server.start()
    assert server.pid is None


async def test_matching_adapter_is_served(serve_model_dir: Path, tmp_path: Path) -> None:
    adapter = write_adapter(tmp_path / "zero", lora_shapes(range(28, 30)))
    config = ServerConfig(model_path=str(serve_model_dir), port=0, adapter_path=str(adapter))
    async with ServerProcess(config) as server:
        assert "--adapter-path" in server.command
        assert await server.health_check()
