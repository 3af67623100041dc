"""Progress bars for the experiment loop's stages (training, each evaluation), opened as they start:
the `Hooks` every command that runs experiments hands down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from punie.cli import ui
from punie.eval.score import EvalResult
from punie.experiment.run import Hooks


@contextmanager
def cli_hooks(iters: int) -> Iterator[Hooks]:
    """Progress bars for training and each evaluation, opened as the stages start."""
    with ExitStack() as stack:
        advance: list[Callable[[str], None]] = []
        train_bar: list[Callable[[dict[str, Any]], None]] = []

        def on_train_event(event: dict[str, Any]) -> None:
            if not train_bar:
                train_bar.append(stack.enter_context(ui.training_progress(iters, "training")))
            train_bar[0](event)

        def eval_started(label: str, total: int) -> None:
            advance[:] = [stack.enter_context(ui.counting_progress(total, f"eval {label}"))]

        def on_eval_result(result: EvalResult) -> None:
            if advance:
                advance[0](f"{result.id}: {'pass' if result.passed else result.failure}")

        yield Hooks(ui.step, on_train_event, on_eval_result, eval_started)
