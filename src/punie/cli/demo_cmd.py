"""`punie demo`: prepare the embedded model, serve it, ask a plain and a tool question."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import typer
from pydantic_ai import Agent
from pydantic_ai.messages import ToolCallPart
from pydantic_ai.settings import ModelSettings

from punie.agent.factory import create_server_model
from punie.agent.workspace_tools import Workspace
from punie.cli import ui
from punie.runtime.models import DEFAULT_MODEL, resolve_model
from punie.serve.config import ServerConfig
from punie.serve.process import ServerProcess

PLAIN_QUESTION = "What is the capital of France? Answer in one sentence."
TOOL_QUESTION = "Use the read_file tool to read main.py, then tell me what the function in it does."
DEMO_FILE = "def add_two_numbers(a, b):\n    return a + b\n"


async def run_demo(model: str) -> None:
    resolve_model(model, "serve", progress=ui.step)
    with tempfile.TemporaryDirectory(prefix="punie-demo-") as tmp:
        workspace = Workspace(Path(tmp))
        (workspace.root / "main.py").write_text(DEMO_FILE)
        async with ServerProcess(ServerConfig(model_path=model, port=0)) as server:
            ui.step(f"mlx_lm.server ready at {server.base_url} (pid {server.pid})")
            settings = ModelSettings(max_tokens=120, temperature=0.0)
            plain = Agent(create_server_model(server.config), model_settings=settings)
            ui.step(f"asking: {PLAIN_QUESTION}")
            answer = await plain.run(PLAIN_QUESTION)
            ui.result(f"[bold]Q:[/bold] {PLAIN_QUESTION}\n[bold]A:[/bold] {answer.output}\n")

            agent = Agent(create_server_model(server.config), model_settings=settings)

            @agent.tool_plain
            def read_file(path: str) -> str:
                """Read a text file from the project workspace."""
                return workspace.read_file(path)

            ui.step(f"asking with the read_file tool: {TOOL_QUESTION}")
            tooled = await agent.run(TOOL_QUESTION)
            calls = [
                part.tool_name
                for message in tooled.all_messages()
                for part in getattr(message, "parts", [])
                if isinstance(part, ToolCallPart)
            ]
            ui.result(f"[bold]Q:[/bold] {TOOL_QUESTION}\n[bold]A:[/bold] {tooled.output}")
            ui.result(f"structured tool calls made: {len(calls)} {calls if calls else ''}")
        ui.step("server stopped")


def demo(
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Alias, MLX directory or cached hub id."),
) -> None:
    """Run the demo on the embedded model (no network needed)."""
    asyncio.run(run_demo(model))
