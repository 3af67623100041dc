"""`punie doctor`."""

from __future__ import annotations

import typer

from punie.cli import ui
from punie.runtime.doctor import run_doctor


def doctor() -> None:
    """Check the platform, MLX, the BLAS children use (measured), the cache and the default model."""
    ui.step("probing an mlx child process (measuring matmul with and without the optimized BLAS)")
    report = run_doctor()
    ui.table("punie doctor", ("check", "value"), report.rows)
    for problem in report.problems:
        ui.error(problem)
    if not report.ok:
        raise typer.Exit(1)
    ui.result("[green]all checks passed[/green]")
