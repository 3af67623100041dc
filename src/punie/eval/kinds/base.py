"""What declares a kind: `Kind`, and the record fields its suite check sees (`Fields`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from punie.errors import UsageError
from punie.eval.response import RecordedResponse
from punie.eval.tool_match import ExpectedCall, StringMatch
from punie.eval.tool_module import ToolModule
from punie.eval.tool_schema import ToolSpec
from punie.sandbox.limits import SandboxLimits

Interaction = Literal["agent", "single"]  # the tool loop over a workspace, or one completion
Verdict = tuple[bool, str | None, str]  # passed, failure class, reason
Fail = Callable[[str, str], UsageError]  # (field, message) -> the error naming file and line


class Prompt(Protocol):
    """What a kind reads of a suite's prompt (an `EvalPrompt`), so kinds sit below suites."""

    @property
    def tools(self) -> tuple[str, ...]: ...
    @property
    def tool_specs(self) -> tuple[ToolSpec, ...]: ...
    @property
    def expected_calls(self) -> tuple[ExpectedCall, ...]: ...
    @property
    def string_match(self) -> StringMatch: ...
    @property
    def ordered(self) -> bool: ...
    @property
    def tests(self) -> str | None: ...
    @property
    def context(self) -> str | None: ...
    @property
    def expected_answer(self) -> str | None: ...
    @property
    def tool_module(self) -> ToolModule | None: ...
    @property
    def initial_state(self) -> Mapping[str, Any]: ...
    @property
    def expected_turns(self) -> tuple[tuple[ExpectedCall, ...], ...]: ...
    @property
    def expected_state(self) -> Mapping[str, Any] | None: ...


Scorer = Callable[[Prompt, RecordedResponse, SandboxLimits], "Verdict"]


@dataclass(frozen=True)
class Fields:
    """A suite record's fields that a kind checks (parsed, not yet checked against the kind)."""

    calls: tuple[ExpectedCall, ...]
    names: tuple[str, ...]  # the seed's names-only `expected_tool_calls`
    no_tool: bool
    tests: Any  # the raw `tests` value
    answer: Any  # the raw `expected_answer` value
    offered: Mapping[str, ToolSpec]
    expected_turns: tuple[tuple[ExpectedCall, ...], ...] = ()  # a multi-turn prompt's, turn by turn
    expected_state: Mapping[str, Any] | None = None  # class -> attributes (its shape checked on parsing)
    stateful: bool = False  # the suite brings a tool module

    def with_calls(self, calls: tuple[ExpectedCall, ...]) -> Fields:
        return replace(self, calls=calls)


@dataclass(frozen=True)
class Kind:
    name: str
    interaction: Interaction
    label: str  # the label of the built-in category of this kind (its column in reports)
    check: Callable[[Fields, Fail, str], Fields]  # (fields, fail, prompt id) -> fields, or raise
    score: Scorer
    offers_tools: bool = False  # its prompts carry tools (and report where their calls came from)
    runs_code: Callable[[Prompt], bool] = lambda prompt: False  # model-written code, sandboxed
    position: int = 100  # its place among the kinds in reports and the journal: lower first

    @property
    def column(self) -> str:
        """Its column in the journal's cumulative table."""
        return self.name
