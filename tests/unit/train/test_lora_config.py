import dataclasses
import json
import re
import struct
import sys
from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.experiment.demo import DemoConfig
from punie.experiment.plan import ExperimentConfig
from punie.train.checkpoints import (
    best_checkpoint,
    check_resume,
    checkpoint_due,
    latest_checkpoint,
    safetensors_problem,
    trainable_shape,
)
from punie.train.child_runner import training_command
from punie.train.config_file import read_train_config
from punie.train.events import ValReport
from punie.train.lora_config import (
    TRAIN_DEFAULTS,
    LoRAConfig,
    TrainSettings,
    build_train_spec,
    lora_args,
    schedule_args,
    training_settings,
)
from punie.train.runner import resume_point
from punie.train.settings import declared
from punie.train.shapes import SHAPES, model_parameters


def cfg(**kw: object) -> LoRAConfig:
    return LoRAConfig(data_dir=Path("d"), adapter_dir=Path("a"), **kw)  # type: ignore[arg-type]


def test_alpha_becomes_mlx_scale() -> None:
    assert cfg().scale == 20.0  # mlx-lm's default when no alpha is given
    assert cfg(rank=8, alpha=16).scale == 2.0
    assert lora_args(cfg(rank=4, alpha=32))["lora_parameters"] == {"rank": 4, "scale": 8.0, "dropout": 0.0}


def test_every_field_is_in_the_trainer_args() -> None:
    config = cfg(
        iters=7,
        batch_size=3,
        learning_rate=3e-4,
        rank=2,
        dropout=0.05,
        num_layers=5,
        keys=("mlp.up_proj",),
        max_seq_length=99,
        mask_prompt=True,
        grad_checkpoint=True,
        seed=11,
        save_every=4,
        steps_per_eval=6,
        val_batches=2,
        extra={"optimizer": "adamw"},
    )
    args = lora_args(config, Path("resume.safetensors"))
    expected = {
        "optimizer": "adamw",
        "data": "d",
        "adapter_path": "a",
        "iters": 7,
        "batch_size": 3,
        "learning_rate": 3e-4,
        "num_layers": 5,
        "max_seq_length": 99,
        "mask_prompt": True,
        "grad_checkpoint": True,
        "seed": 11,
        "save_every": 4,
        "steps_per_eval": 6,
        "val_batches": 2,
        "steps_per_report": 1,
        "lora_parameters": {"rank": 2, "scale": 20.0, "dropout": 0.05, "keys": ["mlp.up_proj"]},
        "resume_adapter_file": "resume.safetensors",
    }
    assert expected.items() <= args.items()
    # anything more is a setting declared to pass to mlx-lm as it is (a new one needs no edit here)
    assert set(args) - set(expected) <= {s.mlx for s in declared().values()}


def test_a_cosine_schedule_with_warmup_is_mlx_lm_s_own_and_a_resumed_run_goes_on_from_its_rate() -> None:
    cosine = cfg(iters=60, learning_rate=3e-4, lr_schedule="cosine", warmup=5)
    whole = {"name": "cosine_decay", "arguments": [3e-4, 55, 3e-4 / 30], "warmup": 5, "warmup_init": 0.0}
    assert schedule_args(cosine) == whole and lora_args(cosine)["lr_schedule"] == whole
    assert schedule_args(cosine, start=2)["warmup_init"] == pytest.approx(3e-4 * 2 / 5)
    halfway = schedule_args(cosine, start=33)  # 27 of 55 decay steps done: about halfway down
    assert halfway["name"] == "cosine_decay" and "warmup" not in halfway
    assert halfway["arguments"][1:] == [27, 3e-4 / 30] and 1.4e-4 < halfway["arguments"][0] < 1.6e-4
    spec = build_train_spec(cosine, Path("/m"), start_iteration=33)
    assert spec["lr_schedule_now"] == halfway and spec["lora_args"]["lr_schedule"] == whole
    assert schedule_args(cfg()) is None and "lr_schedule" not in lora_args(cfg())  # mlx-lm's constant
    warm = schedule_args(cfg(iters=10, warmup=20))  # a warmup longer than the run is cut to fit
    assert warm == {"name": "linear_schedule", "arguments": [1e-4, 1e-4, 1], "warmup": 9, "warmup_init": 0.0}
    with pytest.raises(UsageError, match="lr_schedule must be one of constant, cosine"):
        cfg(lr_schedule="linear")
    with pytest.raises(UsageError, match="give the learning-rate schedule once"):
        cfg(lr_schedule="cosine", extra={"lr_schedule": whole})


def test_spec_and_command_are_pure() -> None:
    spec = build_train_spec(cfg(keys=("self_attn.q_proj",)), Path("/m"))
    assert spec["model"] == "/m" and spec["check_keys"] == ["self_attn.q_proj"]
    assert spec["events_path"] == str(Path("a") / "metrics.jsonl")
    assert training_command(Path("a") / "punie-train-spec.json", python="py") == [
        "py",
        "-m",
        "punie.train.child",
        str(Path("a") / "punie-train-spec.json"),
    ]
    assert training_command(Path("s.json"))[0] == sys.executable


@pytest.mark.parametrize(
    ("field", "value"), [("iters", 0), ("rank", 0), ("learning_rate", 0.0), ("dropout", 1.0), ("alpha", -1.0)]
)
def test_bad_values(field: str, value: float) -> None:
    with pytest.raises(UsageError, match=field):
        cfg(**{field: value})


def test_one_typed_settings_object_reaches_every_run_with_one_set_of_defaults() -> None:
    demo = DemoConfig(model="m").train
    assert isinstance(demo, TrainSettings) and demo.iters == 20 and demo.save_every == 10
    assert demo.changed() == {  # what the demo overrides, and nothing else
        "iters": 20, "save_every": 10, "steps_per_eval": 20, "batch_size": 2, "max_seq_length": 768,
        "val_batches": 2, "mask_prompt": True, "learning_rate": 2e-4,
    }  # fmt: skip
    run = LoRAConfig.of(demo, data_dir=Path("d"), adapter_dir=Path("a"), device="cpu")
    assert run.settings() == demo and run.num_layers == TRAIN_DEFAULTS["num_layers"] == 8
    assert ExperimentConfig(name="e", data_dir=Path("d")).training == TrainSettings()
    assert demo.with_iters(8).changed()["save_every"] == 4
    with pytest.raises(UsageError, match=r"unknown setting\(s\) \['lr'\]; known: alpha, batch_size"):
        training_settings(10, lr=1e-4)
    with pytest.raises(UsageError, match="learning_rate must be positive"):
        training_settings(10, learning_rate=0.0)


def test_config_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "iters: 5\nrank: 4\nkeys: [self_attn.q_proj]\nmask_prompt: true\nlr_schedule: cosine\nwarmup: 2\n"
    )
    assert read_train_config(good) == {
        "iters": 5,
        "rank": 4,
        "keys": ("self_attn.q_proj",),
        "mask_prompt": True,
        "lr_schedule": "cosine",
        "warmup": 2,
    }
    bad = tmp_path / "bad.yaml"
    bad.write_text("lora_rank: 4\n")
    with pytest.raises(UsageError, match=r"bad.yaml: lora_rank: unknown setting"):
        read_train_config(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("iters: [1\n")
    with pytest.raises(UsageError, match="broken.yaml:2: invalid YAML"):
        read_train_config(broken)
    typed = tmp_path / "typed.yaml"
    typed.write_text("iters: lots\n")
    with pytest.raises(UsageError, match="iters: expected a number"):
        read_train_config(typed)


NESTED = """learning_rate: 1e-4
lr_schedule: {name: cosine_decay, warmup: 10, warmup_init: 1e-7, arguments: [1e-4, 100, 1e-6]}
optimizer: adamw
optimizer_config: {adamw: {weight_decay: 1e-2, betas: [0.9, 0.999]}}
lora_parameters: {rank: 4, scale: 2e1, dropout: 0.0}
"""


def test_an_mlx_lm_config_reads_numbers_at_every_depth_as_mlx_lm_does(tmp_path: Path) -> None:
    """Issue 31: YAML reads `1e-4` as a string; mlx_lm.lora's resolver reads it as a number at any
    depth. The nested schedule used to crash the training child after the model loaded."""
    config = tmp_path / "mlx_lm_lora.yaml"
    config.write_text(NESTED)
    read = read_train_config(config)
    assert read["learning_rate"] == 1e-4 and read["alpha"] == 80.0 and read["rank"] == 4
    schedule = read["extra"]["lr_schedule"]
    assert schedule["arguments"] == [1e-4, 100, 1e-6] and all(
        isinstance(a, int | float) for a in schedule["arguments"]
    )
    assert (
        schedule["warmup_init"] == 1e-7 and read["extra"]["optimizer_config"]["adamw"]["weight_decay"] == 0.01
    )
    import yaml

    assert isinstance(yaml.safe_load("x: 1e-4")["x"], str)  # PyYAML's own loader is left as it was


def test_a_wrong_nested_setting_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    cases = {
        "lr_schedule: {name: cosine_decay, arguments: [1e-4, 100], warmpu: 3}": "lr_schedule.warmpu: unknown key",
        "lr_schedule: {name: cosine_decy, arguments: [1e-4, 100]}": "lr_schedule.name: 'cosine_decy' is not one",
        "lr_schedule: {name: cosine_decay, arguments: [1e-4]}": "cosine_decay takes 2 to 3",
        "lr_schedule: {name: cosine_decay, arguments: [fast, 100]}": "lr_schedule.arguments: expected a list of numbers",
        "lr_schedule: {name: cosine_decay, arguments: [1e-4, 100], warmup: 2.5}": "lr_schedule.warmup: expected a whole",
        "optimizer: adamax": "optimizer: 'adamax' is not one of mlx-lm's",
        "optimizer_config: {adam: {betas: fast}}": "optimizer_config.adam.betas: expected a number",
        "optimizer_config: {lion: {}}": "optimizer_config.lion: not one of mlx-lm's",
    }
    for text, message in cases.items():
        config = tmp_path / "c.yaml"
        config.write_text(text + "\n")
        with pytest.raises(UsageError, match=re.escape(message)) as caught:
            read_train_config(config)
        assert str(caught.value).startswith(f"{config}: ") and "\n" not in str(caught.value)


def test_best_checkpoint_uses_measured_weights() -> None:
    saved = {2: Path("0000002_adapters.safetensors"), 4: Path("0000004_adapters.safetensors")}
    measured = [ValReport(2, 1.5, 0), ValReport(4, 1.7, 0), ValReport(5, 1.2, 0)]
    assert best_checkpoint(measured, saved) == (2, 1.5, saved[2])
    saved[5] = Path("0000005_adapters.safetensors")  # the run's last step, not a multiple of save_every
    assert best_checkpoint(measured, saved) == (5, 1.2, saved[5])
    assert best_checkpoint([], saved) is None


def _safetensors(path: Path, floats: int) -> None:
    header = json.dumps({"w": {"dtype": "F32", "shape": [floats], "data_offsets": [0, 4 * floats]}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * (4 * floats))


def test_resume_takes_the_newest_complete_checkpoint_and_names_torn_ones(tmp_path: Path) -> None:
    for iteration in (2, 4, 6):
        _safetensors(tmp_path / f"{iteration:07d}_adapters.safetensors", 8)
    (tmp_path / "0000008_adapters.safetensors").write_bytes(b"\x10\0\0\0\0\0\0\0")  # cut after 8 bytes
    whole = (tmp_path / "0000006_adapters.safetensors").read_bytes()
    (tmp_path / "0000007_adapters.safetensors").write_bytes(whole[:-5])  # a full disk's short write
    assert safetensors_problem(tmp_path / "0000006_adapters.safetensors") is None
    point = latest_checkpoint(tmp_path)
    assert point is not None and point.iteration == 6
    assert point.skipped == (
        "0000008_adapters.safetensors: torn (8 bytes, header says 16)",
        f"0000007_adapters.safetensors: torn ({len(whole) - 5} of {len(whole)} bytes)",
    )
    config = LoRAConfig(data_dir=tmp_path, adapter_dir=tmp_path, iters=10)
    assert resume_point(tmp_path, config).path.name == "0000006_adapters.safetensors"
    with pytest.raises(UsageError, match="already at iteration 6 and --iters is 6"):
        resume_point(tmp_path, LoRAConfig(data_dir=tmp_path, adapter_dir=tmp_path, iters=6))
    for iteration in (2, 4, 6):
        (tmp_path / f"{iteration:07d}_adapters.safetensors").write_bytes(b"{}")
    with pytest.raises(UsageError, match=r"no complete checkpoint .*0000008_adapters.safetensors: torn"):
        resume_point(tmp_path, config)


def test_reports_come_every_step_of_a_real_model_on_the_cpu_else_every_tenth(tmp_path: Path) -> None:
    config = LoRAConfig(data_dir=Path("d"), adapter_dir=Path("a"))
    (tmp_path / "config.json").write_text(json.dumps(SHAPES["smollm2-135m"].config))
    embedded = model_parameters(tmp_path)
    assert embedded is not None and embedded > 100_000_000
    assert lora_args(config, device="cpu", parameters=embedded)["steps_per_report"] == 1
    assert lora_args(config, device="cpu")["steps_per_report"] == 1  # size unknown
    tiny = SHAPES["tiny-llama"].parameters
    assert lora_args(config, device="cpu", parameters=tiny)["steps_per_report"] == 10
    assert lora_args(config, device="gpu", parameters=embedded)["steps_per_report"] == 10
    assert model_parameters(tmp_path / "missing") is None
    explicit = LoRAConfig(data_dir=Path("d"), adapter_dir=Path("a"), save_every=5, steps_per_report=2)
    assert lora_args(explicit, device="gpu")["steps_per_report"] == 2
    with pytest.raises(UsageError, match="steps_per_report must be from 1"):
        LoRAConfig(data_dir=Path("d"), adapter_dir=Path("a"), steps_per_report=0)


def test_a_checkpoint_is_saved_at_the_first_report_past_each_multiple() -> None:
    reports = [10, 20, 30, 35]  # every 10 steps, and the run's last step (35)
    last, saved = 0, []
    for iteration in reports:
        if checkpoint_due(last, iteration, save_every=15, total=35):
            saved.append(iteration)
        last = iteration
    assert saved == [20, 30, 35]  # 15 -> reported at 20, 30, the end
    assert [i for i in range(1, 7) if checkpoint_due(i - 1, i, 2, 6)] == [2, 4, 6]  # every step reported


def test_resume_refuses_a_different_shape(tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text(
        '{"fine_tune_type": "lora", "num_layers": 2, "lora_parameters": {"rank": 4}}'
    )
    check_resume(tmp_path, {"num_layers": 2, "lora_parameters": {"rank": 4, "scale": 3.0}})
    with pytest.raises(UsageError, match="would change the trainable parameters"):
        check_resume(tmp_path, {"num_layers": 3, "lora_parameters": {"rank": 4}})
    assert trainable_shape({"lora_parameters": {"keys": ["b", "a"]}}) == ("lora", None, ("a", "b"), None)


def test_init_adapter_starts_the_lora_and_may_be_the_dpo_reference(tmp_path: Path) -> None:
    start = tmp_path / "sft"
    start.mkdir()
    (start / "adapter_config.json").write_text('{"num_layers": 8, "lora_parameters": {"rank": 8}}')
    plain = LoRAConfig(data_dir=tmp_path, adapter_dir=tmp_path / "out", method="dpo")
    assert lora_args(plain)["resume_adapter_file"] is None
    assert build_train_spec(plain, tmp_path)["preference"]["start_adapter"] is None
    after = LoRAConfig(
        data_dir=tmp_path,
        adapter_dir=tmp_path / "out",
        method="dpo",
        init_adapter=str(start),
        reference="start",
    )
    args = lora_args(after)
    assert args["resume_adapter_file"] == str(start / "adapters.safetensors")
    assert build_train_spec(after, tmp_path)["preference"] == {
        "beta": 0.1,
        "reference": "start",
        "start_adapter": str(start),
    }
    # a checkpoint being resumed wins over the adapter the run first started from
    assert lora_args(after, resume_file=tmp_path / "0000010_adapters.safetensors")[
        "resume_adapter_file"
    ] == str(tmp_path / "0000010_adapters.safetensors")
    with pytest.raises(UsageError, match=r"--init-adapter: .*sft holds no adapters.safetensors"):
        check_resume(start, args, "--init-adapter")
    (start / "adapters.safetensors").write_bytes(b"")
    check_resume(start, args, "--init-adapter")
    with pytest.raises(UsageError, match="--init-adapter would change the trainable parameters"):
        check_resume(start, lora_args(dataclasses.replace(after, rank=4)), "--init-adapter")


MLX_LM_YAML = """\
model: "mlx_model"
train: true
fine_tune_type: lora
optimizer: adamw
optimizer_config:
  adamw:
    weight_decay: 0.01
data: "data/chat"
seed: 0
num_layers: 8
batch_size: 4
iters: 600
val_batches: 25
learning_rate: 1e-4
steps_per_report: 10
steps_per_eval: 200
adapter_path: "adapters/chat"
save_every: 100
test: false
max_seq_length: 2048
grad_checkpoint: false
mask_prompt: true
lora_parameters:
  keys: ["self_attn.q_proj", "self_attn.v_proj"]
  rank: 8
  scale: 20.0
  dropout: 0.0
lr_schedule:
  name: cosine_decay
  warmup: 100
  warmup_init: 1e-7
  arguments: [1e-5, 1000, 1e-7]
"""


def test_an_mlx_lm_lora_yaml_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "lora_config.yaml"
    path.write_text(MLX_LM_YAML)
    values = read_train_config(path)
    assert values["learning_rate"] == 1e-4 and values["data_dir"] == Path("data/chat")
    assert values["adapter_dir"] == Path("adapters/chat") and values["mask_prompt"] is True
    assert (
        values["rank"] == 8
        and values["alpha"] == 160.0
        and values["keys"] == ("self_attn.q_proj", "self_attn.v_proj")
    )
    assert (
        values["extra"]["lr_schedule"]["name"] == "cosine_decay" and values["extra"]["optimizer"] == "adamw"
    )
    config = cfg(**{k: v for k, v in values.items() if k not in ("data_dir", "adapter_dir")})
    assert config.scale == 20.0  # mlx-lm's scale, kept exactly
    args = lora_args(config)
    assert args["lr_schedule"]["warmup"] == 100 and args["fine_tune_type"] == "lora"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("fine_tune_type: full", "fine_tune_type: 'full' is not supported"),
        (
            "resume_adapter_file: a.safetensors",
            "resume_adapter_file: not supported: use `punie train --resume`",
        ),
        ("test: true", "test: True is not supported"),
        ("learning_rate: fast", "learning_rate: expected a number, got 'fast'"),
        ("iters: 2.5", "iters: expected a whole number"),
    ],
)
def test_mlx_lm_keys_punie_cannot_honour_are_refused_with_a_reason(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(line + "\n")
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        read_train_config(path)
