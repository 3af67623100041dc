"""The kinds of prompt, each declared once in its own module: how its prompts are asked (one
completion, or the agent's tool loop over a workspace), what its suite records must hold, how its
answers are scored, and its label and journal column.

`KINDS` is the registry: suites, the runner, reports and the journal read a kind from it and never
branch on a kind's name. Adding a kind is one module here (a `Kind`) plus its entry below.
"""

from __future__ import annotations

from punie.eval.kinds.base import Fields, Interaction, Kind, Verdict
from punie.eval.kinds.code_generation import CODE_GENERATION
from punie.eval.kinds.reasoning import REASONING
from punie.eval.kinds.tool_calling import TOOL_CALLING

KINDS: dict[str, Kind] = {kind.name: kind for kind in (TOOL_CALLING, CODE_GENERATION, REASONING)}

__all__ = ["KINDS", "Fields", "Interaction", "Kind", "Verdict"]
