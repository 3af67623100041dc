"""punie's training-prompt generator as prompts to sample: each distinct request of
`generate_tool_calling` becomes a tool-calling eval prompt whose expected call is the template's
own, so `punie dataset sample --prompts generator` scores a model's answers to the requests it is
trained on (writes included) without touching the suite's prompts.

Pure: the same `n` and seed give the same prompts. The workspace holds every file a generated read
names, with the text the template's read returns.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from punie.data.generate_tool_calling import generate_tool_calling
from punie.eval.suite import EvalPrompt, EvalSuite
from punie.eval.tool_match import ExpectedCall
from punie.eval.tool_schema import BUILTIN_TOOLS
from punie.tools import phrasings

GENERATED_PREFIX = "gen"


def _variants(name: str, value: Any) -> tuple[Any, ...]:
    """The values a call may give for an argument: a path also as ./path, a file's content also
    with a final newline (as the built-in suite accepts)."""
    if name == "path" and isinstance(value, str):
        return (value, f"./{value}")
    if name == "content" and isinstance(value, str):
        return (value, f"{value}\n")
    return (value,)


def _prompt(index: int, seed: int, row: dict[str, Any]) -> EvalPrompt:
    user, answer = row["messages"][0], row["messages"][1]
    calls = tuple(
        ExpectedCall(
            call["function"]["name"],
            {k: _variants(k, v) for k, v in call["function"]["arguments"].items()},
        )
        for call in answer.get("tool_calls") or ()
    )
    tool = calls[0].name if calls else "none"
    return EvalPrompt(
        id=f"{GENERATED_PREFIX}{seed}-{index:03d}-{tool}",
        category="tool_calling",
        prompt_text=str(user["content"]),
        expected_tool_calls=tuple(c.name for c in calls),
        expected_calls=calls,
        no_tool=not calls,
        tools=tuple(BUILTIN_TOOLS),
        tool_specs=tuple(BUILTIN_TOOLS.values()),
    )


def generated_prompts(n: int, seed: int = 0) -> tuple[EvalPrompt, ...]:
    """Pure: the first `n` distinct requests the generator makes with `seed` (fewer when its
    phrasings run out), each scored by the call its template makes."""
    if n < 1:
        raise ValueError(f"the number of generated prompts must be at least 1, got {n}")
    seen: dict[str, dict[str, Any]] = {}
    drawn = 0
    while len(seen) < n and drawn < 50 * n:  # requests repeat; stop drawing when they run out
        drawn += 4 * n
        for row in generate_tool_calling(drawn, seed=seed, whole_share=0.0):
            seen.setdefault(str(row["messages"][0]["content"]), row)
    return tuple(_prompt(i, seed, row) for i, row in enumerate(list(seen.values())[:n]))


def generated_workspace() -> dict[str, str]:
    """Every file a generated read names, holding what the template's read returns."""
    return {path: phrasings.text_of(path) for path in phrasings.PATHS}


def with_generated(suite: EvalSuite, prompts: tuple[EvalPrompt, ...]) -> EvalSuite:
    """`suite`'s prompts and `prompts`, one workspace (a file the suite declares keeps its text)."""
    workspace = {**generated_workspace(), **suite.workspace}
    return dataclasses.replace(suite, prompts=suite.prompts + prompts, workspace=workspace)
