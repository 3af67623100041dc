"""Attacks written as a hostile model would write them, through each real entry point.

Each attack is Python source. `code_answer` hands it to `score_prompt` as the answer to a code
prompt (it runs when the hidden tests import the solution); `run_command` hands it to the agent's
`run_command` tool as `python3 - <<EOF`; `tool_module` makes it the top of a suite's stateful tool
module (it runs when the sandboxed tool runner imports the module to answer a call). Attacks end with `raise RuntimeError(f"RESULT {...}")`
so whatever they obtained reaches the text the host gets back (the failure reason, or the tool
result), where the tests look for leaks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from punie.eval.agent_loop import AgentTools
from punie.eval.response import RecordedResponse, Turn
from punie.eval.score import score_prompt
from punie.eval.suite import EvalPrompt
from punie.eval.tool_module import ToolModule
from punie.eval.tool_module_run import ToolSession
from punie.eval.tool_parse import Call
from punie.sandbox import SandboxLimits, detect
from punie.sandbox.linux import LANDLOCK_BACKEND
from punie.tools.workspace import Workspace

FAST = SandboxLimits(wall_seconds=4, cpu_seconds=3)


def shares_host_pids() -> bool:
    """The backend in force here has no pid namespace of its own (the Landlock backend)."""
    return detect().backend == LANDLOCK_BACKEND


@dataclass(frozen=True)
class Outcome:
    text: str  # everything the host got back
    passed: bool  # scored as passed (code) / exit code 0 (run_command)
    seconds: float


Attack = Callable[..., Outcome]


def via_code_answer(source: str, limits: SandboxLimits = FAST, tests: str = "assert True\n") -> Outcome:
    prompt = EvalPrompt(id="attack", category="code_generation", prompt_text="write code", tests=tests)
    started = time.monotonic()
    result = score_prompt(prompt, RecordedResponse((Turn(f"```python\n{source}\n```"),)), limits)
    return Outcome(result.reason, result.passed, time.monotonic() - started)


def via_tool_module(source: str, limits: SandboxLimits = FAST) -> Outcome:
    """The attack as a suite's own tool module: a hostile module, or one a model's arguments
    steer. It runs when the module is imported to answer a call; the model gets the call's
    result (an error, for a module that raises, hangs or dies)."""
    tail = "\n\nclass Tools:\n    def ping(self) -> str:\n        return 'pong'\n"
    session = ToolSession(ToolModule("hostile_tools.py", source + tail, ("Tools",)), {}, limits)
    started = time.monotonic()
    (text,) = session.call([Call("ping", {})])
    return Outcome(text, text == "pong", time.monotonic() - started)


def via_run_command(workspace: Path) -> Attack:
    def attack(source: str, limits: SandboxLimits = FAST) -> Outcome:
        tools = AgentTools(Workspace(workspace), limits)
        started = time.monotonic()
        text = tools.execute(
            Call("run_command", {"command": f"python3 - <<'PUNIE_EOF'\n{source}\nPUNIE_EOF"})
        )
        return Outcome(text, text.startswith("exit code 0"), time.monotonic() - started)

    return attack
