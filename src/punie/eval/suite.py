"""Evaluation prompts and suites: frozen dataclasses inside, YAML or JSONL files at the edges.

Reading files is `punie.eval.suite_load` (suites) and `punie.eval.suite_prompt` (one prompt);
`load_suite` and `parse_suite` live in suite_load.py, `prompt_from_dict` in suite_prompt.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from punie.eval.categories import BUILTIN_CATEGORIES, Category
from punie.eval.tool_match import ExpectedCall, StringMatch
from punie.eval.tool_module import ToolModule
from punie.eval.tool_schema import ToolSpec

CATEGORIES: tuple[str, ...] = tuple(BUILTIN_CATEGORIES)  # the seed's three, also the three kinds
BUILTIN = "builtin"


@dataclass(frozen=True)
class EvalPrompt:
    id: str
    category: str  # a built-in category or one the suite declares
    prompt_text: str  # the user's request (the last user message when `messages` are given)
    expected_tool_calls: tuple[str, ...] = ()  # the seed's field: names of the tools wanted
    expected_keywords: tuple[str, ...] = ()  # secondary signal only
    expected_calls: tuple[ExpectedCall, ...] = ()
    no_tool: bool = False  # a tool-calling prompt where the right move is not to call
    tools: tuple[str, ...] = ()  # names of the tools offered
    tests: str | None = None  # hidden unit tests for code prompts (plain asserts)
    expected_answer: str | None = None  # reasoning prompts
    messages: tuple[Mapping[str, Any], ...] = ()  # a whole conversation (system, user, assistant, tool)
    tool_specs: tuple[ToolSpec, ...] = ()  # the schemas of the offered tools
    ordered: bool = False  # calls within one turn must come in the expected order
    tool_results: Mapping[str, str] = field(default_factory=dict)  # scripted results of non-built-in tools
    string_match: StringMatch = "exact"  # the suite's string rule for arguments
    context: str | None = None  # code placed before a code answer (e.g. HumanEval's prompt)
    kind: str = ""  # how it is asked and scored (punie.eval.categories); the category's own by default
    tool_module: ToolModule | None = None  # the suite's stateful tools, run in the sandbox
    initial_state: Mapping[str, Any] = field(default_factory=dict)  # class -> its starting attributes
    later_turns: tuple[str, ...] = ()  # a multi-turn prompt's next user messages, in order
    expected_turns: tuple[tuple[ExpectedCall, ...], ...] = ()  # calls that do each user turn right
    expected_state: Mapping[str, Any] | None = None  # class -> attributes it must end with
    tools_from_turn: Mapping[str, int] = field(default_factory=dict)  # tool -> the user turn offering it

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.category)

    def tool_schemas(self, user_turn: int = 0) -> list[dict[str, Any]]:
        """The tools offered at `user_turn` (from 0): a tool of `tools_from_turn` from its turn on."""
        starts = self.tools_from_turn
        return [spec.openai() for spec in self.tool_specs if starts.get(spec.name, 1) <= user_turn + 1]

    def conversation(self) -> list[dict[str, Any]]:
        """The messages the model is sent first."""
        if self.messages:
            return [dict(m) for m in self.messages]
        return [{"role": "user", "content": self.prompt_text}]


@dataclass(frozen=True)
class EvalSuite:
    name: str
    prompts: tuple[EvalPrompt, ...]
    workspace: Mapping[str, str] = field(default_factory=dict)  # files every agent workspace starts with
    categories: Mapping[str, Category] = field(default_factory=dict)  # the suite's own, beside the built-in

    def by_category(self) -> dict[str, list[EvalPrompt]]:
        """Prompts by category: the built-in ones first, then the suite's own in order of appearance."""
        groups: dict[str, list[EvalPrompt]] = {c: [] for c in CATEGORIES}
        for prompt in self.prompts:
            groups.setdefault(prompt.category, []).append(prompt)
        return {name: items for name, items in groups.items() if items}

    def labels(self) -> dict[str, str]:
        """Column labels of the suite's own categories."""
        return {name: category.label for name, category in self.categories.items()}

    def suite_hash(self) -> str:
        canonical = json.dumps(
            {"prompts": [_hashed(p) for p in self.prompts], "workspace": dict(self.workspace)},
            sort_keys=True,
            default=sorted,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def get(self, prompt_id: str) -> EvalPrompt:
        for prompt in self.prompts:
            if prompt.id == prompt_id:
                return prompt
        raise KeyError(prompt_id)


# Fields added after suites' hashes were first recorded (journals, resumable results, cached base
# evaluations): left out of a prompt's hash while unset, so a suite that does not use them keeps it.
LATER_FIELDS = (
    "tool_module",
    "initial_state",
    "later_turns",
    "expected_turns",
    "expected_state",
    "tools_from_turn",
)


def _hashed(prompt: EvalPrompt) -> dict[str, Any]:
    fields = asdict(prompt)
    return {k: v for k, v in fields.items() if k not in LATER_FIELDS or v not in (None, {}, ())}


def first_per_category(suite: EvalSuite, count: int | None) -> EvalSuite:
    """Pure: the first `count` prompts of each category (the suite itself for None or 0)."""
    if not count:
        return suite
    keep = {p.id for prompts in suite.by_category().values() for p in prompts[:count]}
    return EvalSuite(
        suite.name, tuple(p for p in suite.prompts if p.id in keep), suite.workspace, suite.categories
    )


__all__ = [
    "BUILTIN",
    "CATEGORIES",
    "EvalPrompt",
    "EvalSuite",
    "first_per_category",
]
