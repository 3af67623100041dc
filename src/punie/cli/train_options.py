"""Options generated from one declaration and handed to a command as one value: the training
settings (from `TrainSettings`' declarations in punie/train/settings.py, the way mlx-lm builds its
parser from CONFIG_DEFAULTS) and the distributed launch (`Launch`). A setting's flag, help,
default and type are written once, and every command that trains shows the same option for it."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import typer

from punie.train.launch import Launch
from punie.train.settings import TRAIN_DEFAULTS, TrainSettings, declared, setting_type, values

Command = Callable[..., None]
PROCESSES_HELP = (
    "Training processes per host, through mlx.launch (the global --batch-size is split across all)."
)
HOSTS_HELP = "Hosts to train on over ssh (repeat, or comma-separate); the same paths must exist on each."
HOSTFILE_HELP = "An mlx.launch hostfile (JSON; `mlx.distributed_config` writes one) instead of --hosts."
BACKEND_HELP = "mlx.launch backend: ring (TCP), mpi, nccl (NVIDIA GPUs), auto (nccl on a GPU, else ring)."


def _replacing(
    parameter: str, generated: list[inspect.Parameter], gather: Callable[[dict[str, Any]], Any]
) -> Callable[[Command], Command]:
    """Decorator: `generated` options in the place of the command's `parameter`, which receives
    what `gather` makes of their values (by option name)."""
    names = [p.name for p in generated]

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        hints = typing.get_type_hints(command)
        parameters: list[inspect.Parameter] = []
        for existing in signature.parameters.values():
            parameters.extend(generated if existing.name == parameter else [existing])

        def with_value(**kwargs: Any) -> None:
            value = gather({name: kwargs.pop(name) for name in names})
            command(**kwargs, **{parameter: value})

        with_value.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        with_value.__annotations__ = {
            **{k: v for k, v in hints.items() if k != parameter},
            **{p.name: p.annotation for p in generated},
        }
        for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
            setattr(with_value, attribute, getattr(command, attribute))
        return with_value

    return decorate


def _parameter(name: str, option: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=option, annotation=annotation
    )


def flag_names() -> tuple[str, ...]:
    """The settings that have a CLI option, in declaration order."""
    return tuple(name for name, setting in declared().items() if setting.flag)


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _setting_option(name: str, default: Any) -> inspect.Parameter:
    setting = declared()[name]
    assert setting.flag is not None
    kind = setting_type(name)
    flag = f"{setting.flag}/--no-{setting.flag[2:]}" if kind is bool else setting.flag
    shown = "" if default is None else f" \\[default: {_shown(default)}]"  # \\[: not rich markup
    option = typer.Option(None, flag, help=f"{setting.help}{shown}", show_default=False)
    return _parameter(name, option, kind | None)


def train_options(
    names: Iterable[str] | None = None, defaults: TrainSettings | None = None
) -> Callable[[Command], Command]:
    """Decorator: one option per training setting with a flag (or per setting in `names`), in the
    place of the command's `settings` parameter, which receives the ones given on the command
    line as a dict by setting name. Help shows `defaults` (punie's own unless a command sizes
    runs differently, as `bench train` and the demo do)."""
    chosen = tuple(names) if names is not None else flag_names()
    shown = values(defaults) if defaults is not None else TRAIN_DEFAULTS
    generated = [_setting_option(name, shown[name]) for name in chosen]
    return _replacing("settings", generated, lambda given: {k: v for k, v in given.items() if v is not None})


def launch_from(processes: int, hosts: list[str] | None, hostfile: Path | None, backend: str) -> Launch:
    """The Launch that the distributed-training options describe (hosts may be comma-separated)."""
    names = tuple(h.strip() for entry in hosts or [] for h in entry.split(",") if h.strip())
    return Launch(processes=processes, hosts=names, hostfile=hostfile, backend=backend)  # type: ignore[arg-type]


def launch_options() -> Callable[[Command], Command]:
    """Decorator: `--processes`, `--hosts`, `--hostfile` and `--backend` in the place of the
    command's `launch` parameter, which receives the `Launch` they describe."""
    generated = [
        _parameter("processes", typer.Option(1, "--processes", help=PROCESSES_HELP), int),
        _parameter("hosts", typer.Option(None, "--hosts", help=HOSTS_HELP), list[str] | None),
        _parameter(
            "hostfile", typer.Option(None, "--hostfile", help=HOSTFILE_HELP, dir_okay=False), Path | None
        ),
        _parameter("backend", typer.Option("auto", "--backend", help=BACKEND_HELP), str),
    ]
    return _replacing("launch", generated, lambda given: launch_from(**given))
