"""Every console print of the CLI goes through here (rich on stderr for progress, stdout for results)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from punie.cli.plain_progress import PlainProgress
from punie.train.events import TrainReport, train_report, training_tokens_per_second

out = Console()
err = Console(stderr=True)


def step(message: str) -> None:
    err.print(f"[cyan]›[/cyan] {message}", soft_wrap=True)


def info(message: str) -> None:
    err.print(message, soft_wrap=True)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {message}", soft_wrap=True)


def error(message: str) -> None:
    err.print("[bold red]error:[/bold red] ", end="", soft_wrap=True)
    err.print(message, highlight=False, markup=False, soft_wrap=True)


def result(message: str) -> None:
    out.print(message, highlight=False, soft_wrap=True)
    out.file.flush()  # results reach a pipe (`punie serve | tee`) as they happen


def table(title: str, columns: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    """A table of results; on a terminal it fits the width, elsewhere (a pipe, a file) every
    cell is whole: a piped `model list` used to cut names and paths at 80 columns."""
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column, overflow="fold", no_wrap=not out.is_terminal)
    for row in rows:
        grid.add_row(*row)
    if out.is_terminal:
        out.print(grid)
        return
    needed = Console(width=100_000, file=out.file).measure(grid).maximum  # no cell cut
    Console(width=max(out.width, needed), file=out.file, no_color=out.no_color).print(grid)
    out.file.flush()


def raw(text: str) -> None:
    """Text shown exactly as it is (no markup, no highlighting): rendered prompts, code."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    out.file.flush()


def json_result(text: str) -> None:
    """Machine-readable output: plain stdout, no markup or wrapping."""
    print(text, flush=True)


def _bar() -> Progress | PlainProgress:
    """A live bar on a terminal; elsewhere (a pipe, a log) lines and a heartbeat every 30 s."""
    if not err.is_terminal:
        return PlainProgress(err.file)
    return Progress(
        TextColumn("[cyan]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@contextmanager
def training_progress(total: int, label: str) -> Iterator[Callable[[dict[str, Any]], None]]:
    """A live bar (on stderr) fed by training-child events; yields the event handler."""
    progress = _bar()
    task = progress.add_task(label, total=total, status="loading model")
    reports: list[TrainReport] = []

    def on_event(event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "loaded":
            progress.update(task, status=f"model loaded in {event['seconds']:.1f} s")
        elif kind == "resumed":
            progress.update(
                task, completed=int(event["from_iteration"]), status=f"from {event['checkpoint']}"
            )
        elif kind == "train":
            reports.append(train_report(event))
            rate = training_tokens_per_second(reports)  # the summary's own definition
            progress.update(
                task,
                completed=int(event["iteration"]),
                status=f"loss {event['train_loss']:.3f}  {rate:.0f} trained tok/s",
            )
        elif kind == "validating":
            batches = "all" if event["batches"] < 0 else event["batches"]
            progress.update(task, status=f"validating ({batches} batches)")
        elif kind == "val":
            progress.update(task, status=f"val loss {event['val_loss']:.3f}")

    with progress:
        yield on_event


@contextmanager
def counting_progress(total: int, label: str) -> Iterator[Callable[[str], None]]:
    """A live bar (on stderr) advanced once per finished item; yields `advance(status)`."""
    progress = _bar()
    task = progress.add_task(label, total=total, status="")

    def advance(status: str) -> None:
        progress.update(task, advance=1, status=status)

    with progress:
        yield advance
