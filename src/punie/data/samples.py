"""From scored samples to training data (pure): the model's own answers, K per prompt, each
scored by punie's scorer, become on-policy SFT examples (the passing ones), preference pairs
(a passing and a failing answer to the same prompt; optionally, where no answer passed, the
prompt's reference call against a failing one) and GRPO's groups (every answer with its
advantage over its prompt's others), with pass@1 and pass@K per category.

pass@k is Chen et al. (2021)'s unbiased estimator, 1 - C(n-c, k) / C(n, k), for n samples of
which c pass: the chance that at least one of k samples drawn without replacement passes.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from math import comb
from typing import Any

from punie.data.chat import ChatExample, Message, ToolCall
from punie.eval.response import RecordedResponse
from punie.eval.suite import EvalPrompt
from punie.eval.tool_parse import Call, ParsedCalls
from punie.eval.tool_score import score_tool_calls


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al.'s unbiased pass@k for n samples with c passing (k <= n)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


@dataclass(frozen=True)
class Sample:
    """One scored answer to one prompt."""

    prompt_id: str
    passed: bool
    response: RecordedResponse
    failure: str | None = None


def assistant_messages(response: RecordedResponse) -> tuple[Message, ...]:
    """Pure: the answer as chat messages: each assistant turn with its parsed calls (as the
    template renders a call), then the tools' results, as the agent loop fed them back."""
    out: list[Message] = []
    for turn in response.turns:
        parsed = turn.parsed()
        calls = tuple(ToolCall(call.name, dict(call.arguments)) for call in parsed.calls)
        text = "" if calls and parsed.source == "text" else turn.content.strip()
        out.append(Message("assistant", text, calls))
        out.extend(Message("tool", result) for result in turn.tool_results)
    return tuple(out)


def _opening(prompt: EvalPrompt) -> tuple[Message, ...]:
    return tuple(Message(m["role"], str(m.get("content") or "")) for m in prompt.conversation())


def _key(messages: Sequence[Message]) -> str:
    return json.dumps([m.to_dict() for m in messages], sort_keys=True)


def _distinct(samples: Sequence[Sample]) -> list[Sample]:
    seen: set[str] = set()
    kept = []
    for sample in samples:
        key = _key(assistant_messages(sample.response))
        if key not in seen:
            seen.add(key)
            kept.append(sample)
    return kept


def _ending_with_the_model(response: RecordedResponse) -> list[Message]:
    """The answer's messages up to the last one the model wrote (a conversation cut at the turn
    limit ends with tool results, which no one trains toward)."""
    messages = list(assistant_messages(response))
    while messages and messages[-1].role != "assistant":
        messages.pop()
    return messages


def _answered_by_prompt(samples: Sequence[Sample]) -> dict[str, list[Sample]]:
    """The samples the server answered, by prompt (an answer never given is on no side)."""
    by_prompt: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if not sample.response.error:
            by_prompt[sample.prompt_id].append(sample)
    return by_prompt


def sft_examples(prompts: Mapping[str, EvalPrompt], samples: Sequence[Sample]) -> list[dict[str, Any]]:
    """Pure: per distinct passing answer, one chat example ending at each of its turns that calls
    a tool, and one ending at its last message that the model wrote. `mask_prompt` training
    learns only an example's last message, so an answer kept whole alone (request, call, result,
    final answer) would teach the final answer and never the call: the generator's rule too."""
    out = []
    for sample in _distinct([s for s in samples if s.passed and not s.response.error]):
        prompt = prompts[sample.prompt_id]
        answer = _ending_with_the_model(sample.response)
        ends = [i + 1 for i, m in enumerate(answer) if m.role == "assistant" and m.tool_calls]
        for end in dict.fromkeys([*ends, len(answer)]):
            messages = (*_opening(prompt), *answer[:end])
            out.append(ChatExample(messages, tuple(prompt.tool_schemas()), prompt.category).to_dict())
    return out


def preference_pairs(prompts: Mapping[str, EvalPrompt], samples: Sequence[Sample]) -> list[dict[str, Any]]:
    """Pure: per prompt, each distinct passing answer paired with a distinct failing one (as
    many pairs as the smaller side has), in the conversational layout TRL and mlx-lm-lora read:
    `prompt` (the messages before the answer), `chosen` and `rejected` (the answers' messages),
    `tools`. A pair never joins two prompts, nor two answers with the same verdict."""
    by_prompt = _answered_by_prompt(samples)
    pairs = []
    for prompt_id, answers in by_prompt.items():
        passing = _distinct([s for s in answers if s.passed])
        failing = _distinct([s for s in answers if not s.passed])
        prompt = prompts[prompt_id]
        for good, bad in zip(passing, failing, strict=False):
            pairs.append(
                {
                    "prompt": [m.to_dict() for m in _opening(prompt)],
                    "chosen": [m.to_dict() for m in _ending_with_the_model(good.response)],
                    "rejected": [m.to_dict() for m in _ending_with_the_model(bad.response)],
                    "tools": prompt.tool_schemas(),
                    "category": prompt.category,
                    "prompt_id": prompt_id,
                    "rejected_failure": bad.failure,
                }
            )
    return pairs


def reference_answer(prompt: EvalPrompt) -> Message | None:
    """Pure: the call a one-turn tool-calling prompt's scorer expects (each argument's first
    allowed value) as the assistant message that makes it, when punie's scorer passes it; None
    for a prompt with no such call (no tool wanted, name-only or multi-turn expectations)."""
    if prompt.kind != "tool_calling" or not prompt.expected_calls or prompt.later_turns:
        return None
    if any(want.any_arguments for want in prompt.expected_calls):
        return None
    calls = tuple(
        ToolCall(want.name, {name: values[0] for name, values in want.arguments.items() if values})
        for want in prompt.expected_calls
    )
    parsed = ParsedCalls(tuple(Call(c.name, dict(c.arguments)) for c in calls), "structured")
    specs = {spec.name: spec for spec in prompt.tool_specs}
    if not score_tool_calls(prompt.expected_calls, parsed, tools=specs).passed:
        return None
    return Message("assistant", "", calls)


def reference_pairs(prompts: Mapping[str, EvalPrompt], samples: Sequence[Sample]) -> list[dict[str, Any]]:
    """Pure: for each tool-calling prompt that no sample passed, its reference call (the one its
    scorer expects, checked to pass) chosen against the first turn of one failing answer: a pair
    for a tool the model never gets right, which on-policy pairs cannot give. Both sides are one
    assistant turn, so neither is longer for being a whole conversation."""
    by_prompt = _answered_by_prompt(samples)
    pairs = []
    for prompt_id, answers in by_prompt.items():
        prompt = prompts[prompt_id]
        reference = reference_answer(prompt)
        if reference is None or any(s.passed for s in answers):
            continue
        failing = _distinct(answers)[0]
        first_turn = assistant_messages(failing.response)[:1]
        if not first_turn:
            continue
        pairs.append(
            {
                "prompt": [m.to_dict() for m in _opening(prompt)],
                "chosen": [reference.to_dict()],
                "rejected": [first_turn[0].to_dict()],
                "tools": prompt.tool_schemas(),
                "category": prompt.category,
                "prompt_id": prompt_id,
                "rejected_failure": failing.failure,
                "chosen_from": "reference",
            }
        )
    return pairs


def group_rows(prompts: Mapping[str, EvalPrompt], samples: Sequence[Sample]) -> list[dict[str, Any]]:
    """Pure: GRPO's data (Shao et al. 2024). Each answered sample with its reward (1 if punie's
    scorer passed it, else 0) and its advantage, the reward minus the mean reward of its prompt's
    answers (Dr. GRPO's, Liu et al. 2025: not divided by the group's spread, which biases toward
    prompts that are nearly always or never solved). A prompt whose answers all got the same
    reward gives no gradient and no row: the rows say what a step can learn from."""
    by_prompt = _answered_by_prompt(samples)
    rows = []
    for prompt_id, answers in by_prompt.items():
        mean = statistics.fmean(float(s.passed) for s in answers)
        prompt = prompts[prompt_id]
        for answer in answers:
            advantage = float(answer.passed) - mean
            if advantage == 0.0:
                continue
            rows.append(
                {
                    "prompt": [m.to_dict() for m in _opening(prompt)],
                    "answer": [m.to_dict() for m in assistant_messages(answer.response)],
                    "tools": prompt.tool_schemas(),
                    "category": prompt.category,
                    "prompt_id": prompt_id,
                    "reward": float(answer.passed),
                    "advantage": advantage,
                }
            )
    return rows


@dataclass(frozen=True)
class PassRates:
    category: str
    prompts: int
    samples: int  # per prompt
    pass_at_1: float
    pass_at_k: float


def wanted_tool(prompt: EvalPrompt) -> str:
    """Pure: the tool a tool-calling prompt is about (its first expected call), "no tool" for a
    prompt whose right move is not to call, "" for other kinds."""
    if prompt.no_tool:
        return "no tool"
    if prompt.expected_calls:
        return prompt.expected_calls[0].name
    return prompt.expected_tool_calls[0] if prompt.expected_tool_calls else ""


def _category(prompt: EvalPrompt) -> str:
    return prompt.category


def pass_rates(
    prompts: Mapping[str, EvalPrompt],
    samples: Sequence[Sample],
    k: int,
    group: Callable[[EvalPrompt], str] = _category,
) -> list[PassRates]:
    """Pure: mean pass@1 and pass@k over each group's prompts, by category unless `group` says
    otherwise (`wanted_tool`: per tool); samples the server never answered are left out of n,
    and prompts `group` names "" are left out."""
    counts: dict[str, tuple[int, int]] = {}
    for sample in samples:
        if sample.response.error in ("timeout", "server_error"):
            continue
        n, c = counts.get(sample.prompt_id, (0, 0))
        counts[sample.prompt_id] = (n + 1, c + sample.passed)
    by_category: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for prompt_id, (n, c) in counts.items():
        name = group(prompts[prompt_id])
        if name:
            by_category[name].append((n, c))
    return [
        PassRates(
            category,
            len(rows),
            min(n for n, _ in rows),
            statistics.fmean(pass_at_k(n, c, 1) for n, c in rows),
            statistics.fmean(pass_at_k(n, c, min(k, n)) for n, c in rows),
        )
        for category, rows in by_category.items()
    ]
