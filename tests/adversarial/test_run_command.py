"""Attacks that only the agent's tools allow: links planted for the host to follow, and stalls."""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path

from punie.eval.agent_loop import AgentTools, run_agent
from punie.eval.response import Turn
from punie.eval.tool_parse import Call
from punie.sandbox import SandboxLimits
from punie.tools.builtin import AGENT_TOOLS
from punie.tools.workspace import Workspace


def test_planted_links_never_make_the_host_touch_what_they_point_to(tmp_path: Path) -> None:
    secret = tmp_path / "root-only.txt"
    secret.write_text("hunter2")
    secret.chmod(0o600)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    tools = AgentTools(Workspace(workspace), SandboxLimits(wall_seconds=5))
    planted = tools.execute(
        Call(
            "run_command",
            {"command": f"ln -s {secret} s; ln -s {private} d; ln -s / r; mkdir sub; ln -s .. sub/up"},
        )
    )
    assert planted.startswith("exit code 0"), planted
    assert (workspace / "s").is_symlink()  # the links came back as links ...
    again = tools.execute(Call("run_command", {"command": "cat s; ls d r/root; echo x > s; chmod 777 d"}))
    # ... and neither the copy in, the copy back, nor the tools followed them.
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text() == "hunter2"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert "hunter2" not in again
    assert tools.execute(Call("read_file", {"path": "s"})).startswith("error")
    assert tools.execute(Call("write_file", {"path": "d/x.txt", "content": "x"})).startswith("error")
    assert not (private / "x.txt").exists()
    assert tools.execute(Call("read_file", {"path": "sub/up/s"})).startswith("error")


class SlowCommandModel:
    async def __call__(self, messages: list, tools: list) -> Turn:
        if len(messages) == 1:
            return Turn('<tool_call>{"name": "run_command", "arguments": {"command": "sleep 3"}}</tool_call>')
        return Turn("done")


async def test_run_command_never_blocks_the_event_loop(tmp_path: Path) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    tools = AgentTools(Workspace(tmp_path), SandboxLimits(wall_seconds=5))
    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    try:
        async with asyncio.timeout(1.0):  # the prompt timeout must be able to fire mid-command
            await run_agent("sleep", SlowCommandModel(), tools, AGENT_TOOLS)
        raise AssertionError("the command should have outlasted the timeout")
    except TimeoutError:
        pass
    finally:
        ticking.cancel()
    assert time.monotonic() - started < 2.0
    assert ticks >= 10, f"the loop ticked {ticks} times in a 1 s timeout"
    await asyncio.sleep(3.0)  # let the worker thread's sandboxed sleep end before the test does
