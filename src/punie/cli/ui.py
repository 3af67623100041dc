"""Every console print of the CLI goes through here (rich on stderr for progress, stdout for results)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

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
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*row)
    out.print(grid)
