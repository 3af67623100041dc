"""The per-prompt timeout, scaled to this machine: a fixed 120 s is wrong on a loaded one.

`punie eval` measures the server's generation speed with one short request before the run and
gives each prompt time for all its turns at that speed, shared with the prompts in flight, twice
over, plus a margin. The timeout is there for hung requests, never to cut slow honest ones.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

MARGIN = 30.0
SAFETY = 2.0
FLOOR, CEILING = 60.0, 3600.0
PROBE_TOKENS = 32
PROBE_PROMPT = "Count from one to forty in words, separated by commas."


def scaled_timeout(max_tokens: int, max_turns: int, concurrency: int, tokens_per_second: float) -> float:
    """Pure: seconds for one prompt at `tokens_per_second`, with `concurrency` prompts sharing it."""
    rate = max(tokens_per_second, 0.1)
    needed = max_turns * max_tokens * concurrency / rate
    return round(min(CEILING, max(FLOOR, MARGIN + SAFETY * needed)), 1)


@dataclass
class Stopwatch:
    """Seconds spent inside `timing()` blocks, added up, against a budget given when asked.

    The prompt timeout counts the time spent waiting for the endpoint only; a prompt's own tool
    calls are the model's time, against their own budget (`AgentTools.tool_seconds`). So a prompt
    cannot turn its failure into an 'incomplete' by running slow commands."""

    spent: float = 0.0

    def left(self, budget: float | None) -> float | None:
        return None if budget is None else max(0.0, budget - self.spent)

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.spent += time.monotonic() - started
