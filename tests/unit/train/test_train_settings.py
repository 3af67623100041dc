"""TrainSettings is the one declaration of a training setting: its range, its CLI option on every
command that trains, its grid axis and its mlx-lm argument all come from the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from punie.cli.app import app
from punie.errors import UsageError
from punie.experiment.grid import TRAIN_AXES, parse_axis
from punie.train.benchmark import BENCH_SETTINGS
from punie.train.lora_config import LoRAConfig, lora_args
from punie.train.settings import TrainSettings, declared, parse_value, setting_type
from tests.helpers import run_punie

TRAINING_COMMANDS = (("train",), ("experiment", "run"), ("experiment", "grid"), ("bench", "train"))


def _options(path: tuple[str, ...]) -> dict[str, Any]:
    """The click parameters of the command at `path`, by name."""
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return {p.name: p for p in command.params if p.name}


@pytest.mark.parametrize("path", TRAINING_COMMANDS)
def test_every_setting_with_a_flag_is_an_option_of_every_training_command(path: tuple[str, ...]) -> None:
    options = _options(path)
    for name, setting in declared().items():
        if setting.flag is None:
            assert name not in options
            continue
        option = options[name]
        assert setting.flag in option.opts, (path, name, option.opts)
        assert option.default is None  # unset: TrainSettings (or the command's sizing) decides
        assert setting.help in (option.help or "")


def test_help_shows_the_defaults_of_the_settings_each_command_runs_with() -> None:
    train = _options(("train",))
    bench = _options(("bench", "train"))
    assert "[default: 1024]" in (train["max_seq_length"].help or "")
    assert "[default: 512]" in (bench["max_seq_length"].help or "")  # BENCH_SETTINGS
    assert "[default: 0.0001]" in (train["learning_rate"].help or "")
    assert "[default: 20]" in (_options(("demo",))["iters"].help or "")  # the demo sizes iterations only
    assert BENCH_SETTINGS.changed() == {"iters": 10, "max_seq_length": 512}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bench", "train", "--rank", "0"], "rank must be from 1 to 1,000,000,000, got 0"),
        (["bench", "train", "--lr-schedule", "linear"], "lr_schedule must be one of constant, cosine"),
        (["bench", "train", "--untimed", "-1"], "--untimed must be 0 or more"),
        (["demo", "--iters", "0"], "iters must be from 1 to 1,000,000,000, got 0"),
    ],
)
def test_generated_options_are_checked_by_the_settings_in_one_line(args: list[str], message: str) -> None:
    done = run_punie(*args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_experiment_takes_the_settings_train_takes(tmp_path: Path) -> None:
    """`--alpha` was on `train` only; now every setting with a flag is on both."""
    done = run_punie("experiment", "run", "--name", "x", "--data", str(tmp_path), "--alpha", "-1")
    assert done.returncode == 2 and "alpha must be positive, got -1.0" in done.stderr


@pytest.mark.parametrize("name", [n for n, s in declared().items() if s.low is not None])
def test_every_declared_range_is_checked(name: str) -> None:
    setting = declared()[name]
    assert setting.low is not None
    below = setting.low - (1 if setting_type(name) is int else 0.5)
    with pytest.raises(UsageError, match=f"{name} must be"):
        TrainSettings(**{name: below})
    TrainSettings(**{name: setting.low})  # the bound itself is allowed


def test_every_setting_reaches_mlx_lm_under_its_name() -> None:
    config = LoRAConfig(data_dir=Path("d"), adapter_dir=Path("a"), seed=7, grad_checkpoint=True)
    args = lora_args(config)
    for name, setting in declared().items():
        if setting.mlx:
            assert args[setting.mlx] == getattr(config, name)


def test_grid_axes_are_the_settings_declared_with_one() -> None:
    assert set(TRAIN_AXES) == {n for n, s in declared().items() if s.axis}
    assert parse_axis("alpha=16,32").values == (16.0, 32.0)
    assert parse_value("mask_prompt", "TRUE") is True
    with pytest.raises(ValueError):
        parse_value("iters", "ten")
    with pytest.raises(UsageError, match="--vary 'warmup=-2': warmup must be from 0"):
        parse_axis("warmup=-2")
