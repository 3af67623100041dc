"""The `attack` fixture: each attack runs through both real entry points (see attacks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial.attacks import Attack, via_code_answer, via_run_command, via_tool_module


@pytest.fixture(params=["code_answer", "run_command", "tool_module"])
def attack(request: pytest.FixtureRequest, tmp_path: Path) -> Attack:
    if request.param == "code_answer":
        return via_code_answer
    if request.param == "tool_module":
        return via_tool_module
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "app.py").write_text("print('hi')\n")
    return via_run_command(workspace)
