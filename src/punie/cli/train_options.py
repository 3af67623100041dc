"""Training options generated from `TrainSettings`' declarations (punie/train/settings.py), the way
mlx-lm builds its parser from CONFIG_DEFAULTS: a setting's flag, help, default and type are
written once, there, and every command that trains shows the same option for it."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any

import typer

from punie.train.settings import TRAIN_DEFAULTS, TrainSettings, declared, setting_type, values

Command = Callable[..., None]


def flag_names() -> tuple[str, ...]:
    """The settings that have a CLI option, in declaration order."""
    return tuple(name for name, setting in declared().items() if setting.flag)


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _option(name: str, default: Any) -> inspect.Parameter:
    setting = declared()[name]
    assert setting.flag is not None
    kind = setting_type(name)
    flag = f"{setting.flag}/--no-{setting.flag[2:]}" if kind is bool else setting.flag
    shown = "" if default is None else f" \\[default: {_shown(default)}]"  # \\[: not rich markup
    option = typer.Option(None, flag, help=f"{setting.help}{shown}", show_default=False)
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=option, annotation=kind | None
    )


def train_options(
    names: Iterable[str] | None = None, defaults: TrainSettings | None = None
) -> Callable[[Command], Command]:
    """Decorator: one option per training setting with a flag (or per setting in `names`), in the
    place of the command's `settings` parameter, which receives the ones given on the command
    line as a dict by setting name. Help shows `defaults` (punie's own unless a command sizes
    runs differently, as `bench train` and the demo do)."""
    chosen = tuple(names) if names is not None else flag_names()
    shown = values(defaults) if defaults is not None else TRAIN_DEFAULTS

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        hints = typing.get_type_hints(command)
        generated = [_option(name, shown[name]) for name in chosen]
        parameters: list[inspect.Parameter] = []
        for parameter in signature.parameters.values():
            parameters.extend(generated if parameter.name == "settings" else [parameter])

        def with_settings(**kwargs: Any) -> None:
            given = {name: kwargs.pop(name) for name in chosen}
            command(**kwargs, settings={k: v for k, v in given.items() if v is not None})

        with_settings.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        with_settings.__annotations__ = {
            **{k: v for k, v in hints.items() if k != "settings"},
            **{p.name: p.annotation for p in generated},
        }
        with_settings.__name__ = command.__name__
        with_settings.__qualname__ = command.__qualname__
        with_settings.__doc__ = command.__doc__
        with_settings.__module__ = command.__module__
        return with_settings

    return decorate
