"""`punie serve`: a managed server (mlx_lm.server unless --engine says otherwise) in the
foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import typer

from punie.cli import ui
from punie.runtime.device import check_request
from punie.runtime.models import DEFAULT_MODEL
from punie.serve.config import DEFAULT_PORT, ServerConfig
from punie.serve.process import ServerProcess


async def serve_until_stopped(server: ServerProcess, timeout: float) -> int:
    """Run `server` until a signal arrives or it dies; return the process exit status to use."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        ui.step(f"starting {server.engine.label} for {server.config.model_path}")
        await server.start(timeout=timeout)
        ui.result(f"serving {server.config.model_path} at {server.base_url} (pid {server.pid})")
        ui.info(f"log: {server.log_path} — press Ctrl-C to stop")
        while not stop.is_set() and server.is_running:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await stop.wait()
        if not server.is_running:
            ui.error(f"{server.engine.label} exited unexpectedly (log: {server.log_path})")
            return 1
        ui.step("stopping the server")
        return 0
    finally:
        await server.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def serve(
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Alias, MLX directory or cached hub id."),
    adapter: Path | None = typer.Option(None, "--adapter", help="LoRA adapter directory."),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="0 picks a free port (0-65535)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Bind address (loopback by default)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds to wait for readiness."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | gpu (auto: GPU when MLX sees one)."),
    engine: str = typer.Option(
        "mlx", "--engine", help="mlx (mlx_lm.server) | llama.cpp | auto: see `punie eval --help`."
    ),
) -> None:
    """Serve a model (optionally with an adapter) until Ctrl-C."""
    config = ServerConfig(
        device=check_request(device),
        model_path=model,
        port=port,
        host=host,
        adapter_path=str(adapter) if adapter else None,
        engine=engine,
    )
    code = asyncio.run(serve_until_stopped(ServerProcess(config), timeout))
    raise typer.Exit(code)
