"""The `punie` Typer app and its entry point, which turns `PunieError` into one line + exit code."""

from __future__ import annotations

import sys

import typer

from punie.cli import demo_cmd, doctor_cmd, model_cmd, serve_cmd, ui
from punie.errors import PunieError

app = typer.Typer(
    name="punie",
    help="Serve, benchmark, train and evaluate a local coding-agent model with mlx-lm.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(model_cmd.app, name="model")
app.command("serve")(serve_cmd.serve)
app.command("doctor")(doctor_cmd.doctor)
app.command("demo")(demo_cmd.demo)


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, prog_name="punie")
    except PunieError as exc:
        ui.error(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        ui.error("interrupted")
        sys.exit(130)
