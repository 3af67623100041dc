"""The `punie` Typer app and its entry point: errors become one line and an exit code."""

from __future__ import annotations

import errno
import sys

import typer

from punie import __version__
from punie.cli import (
    bench_cmd,
    compare_cmd,
    dataset_cmd,
    demo_cmd,
    doctor_cmd,
    eval_cmd,
    experiment_cmd,
    fuse_cmd,
    journal_cmd,
    model_cmd,
    sample_cmd,
    serve_cmd,
    suite_cmd,
    train_cmd,
    ui,
)
from punie.errors import PunieError, install_excepthook

app = typer.Typer(
    name="punie",
    help="Serve, benchmark, train and evaluate a local coding-agent model with mlx-lm.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        ui.result(f"punie {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_show_version, is_eager=True, help="Print punie's version."
    ),
) -> None:
    """Serve, benchmark, train and evaluate a local coding-agent model with mlx-lm."""


app.add_typer(model_cmd.app, name="model")
app.add_typer(bench_cmd.app, name="bench")
dataset_cmd.app.command("sample")(sample_cmd.sample_command)
app.add_typer(dataset_cmd.app, name="dataset")
app.add_typer(journal_cmd.app, name="journal")
app.add_typer(experiment_cmd.app, name="experiment")
app.add_typer(suite_cmd.app, name="suite")
app.command("serve")(serve_cmd.serve)
app.command("train")(train_cmd.train)
app.command("eval")(eval_cmd.evaluate)
app.command("compare")(compare_cmd.compare)
app.command("fuse")(fuse_cmd.fuse)
app.command("doctor")(doctor_cmd.doctor)
app.command("demo")(demo_cmd.demo)


def _usage_line(exc: typer.TyperException) -> str:
    ctx = getattr(exc, "ctx", None)
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if ctx is not None:
        return f"{message} (try '{ctx.command_path} --help')"
    return message


def os_error_line(exc: OSError) -> str:
    """Pure: one line for an OSError that reached the top, naming the file when it has one."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    hint = {
        errno.ENOSPC: " (the disk is full: free space and rerun; finished results are kept)",
        errno.EROFS: " (a read-only file system: choose a writable --output)",
        errno.EACCES: " (no permission: choose a writable --output)",
    }.get(exc.errno or 0, "")
    return f"{where}{reason}{hint}"


def main(argv: list[str] | None = None) -> None:
    """Run the CLI. Usage and input errors exit 2 with one line; no traceback reaches the user."""
    install_excepthook()  # here, not on `import punie`: a library leaves its host's hook alone
    try:
        code = app(args=argv, prog_name="punie", standalone_mode=False)
    except typer.TyperException as exc:  # typer's (vendored) click errors
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            ui.result(ctx.get_help())
            sys.exit(0)
        ui.error(_usage_line(exc))
        sys.exit(int(getattr(exc, "exit_code", 2)))
    except PunieError as exc:
        ui.error(str(exc))
        sys.exit(exc.exit_code)
    except OSError as exc:  # the machine, not the input: a full or read-only disk, a permission
        ui.error(os_error_line(exc))
        sys.exit(1)
    except (KeyboardInterrupt, typer.Abort):
        ui.error("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
