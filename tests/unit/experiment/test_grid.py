"""The grid's pure parts and its loop, with a fake experiment runner (no model)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from punie.data.jsonl_io import read_dataset, write_dataset
from punie.errors import UsageError
from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.experiment.grid import (
    cell_config,
    cell_name,
    cells,
    grid_rows,
    parse_axis,
    render_grid_html,
    run_grid,
    training_cell,
)
from punie.experiment.plan import ExperimentConfig, training_settings
from punie.experiment.run import ExperimentResult, Hooks
from punie.journal.compare import Decision

BASE = ExperimentConfig(
    name="g", data_dir=Path("data"), runs_dir=Path("runs"), training=training_settings(30, batch_size=2),
    per_category=2,
)  # fmt: skip


def test_axes_parse_and_refuse_in_one_line() -> None:
    assert parse_axis("learning_rate=1e-4, 2e-4").values == (1e-4, 2e-4)
    assert parse_axis("mask-prompt=true,false").values == (True, False)
    with pytest.raises(UsageError, match="NAME=V1,V2"):
        parse_axis("dropout=0.1")
    with pytest.raises(UsageError, match="iters takes values like 20,40"):
        parse_axis("iters=ten")
    assert parse_axis("replay=0,0.3").values == (0.0, 0.3)
    with pytest.raises(UsageError, match="replay takes values from 0 to 10"):
        parse_axis("replay=-1")
    assert parse_axis("lr_schedule=constant,Cosine").values == ("constant", "cosine")
    with pytest.raises(UsageError, match="lr_schedule must be one of constant, cosine"):
        parse_axis("lr_schedule=linear")


def test_cells_are_the_product_and_each_is_an_ordinary_experiment() -> None:
    plan = cells(
        [parse_axis("learning_rate=1e-4,2e-4"), parse_axis("iters=10,20"), parse_axis("temperature=0,0.7")]
    )
    assert len(plan) == 8 and plan[0] == {"learning_rate": 1e-4, "iters": 10, "temperature": 0.0}
    assert cell_name("g", plan[-1]) == "g-lr0.0002-it20-t0.7"
    config = cell_config(BASE, "g", plan[-1])
    assert config.runs_dir == Path("runs/g") and config.root == Path("runs/g/g-lr0.0002-it20-t0.7")
    assert config.training.changed() == {
        "iters": 20,
        "save_every": 10,
        "steps_per_eval": 20,
        "batch_size": 2,
        "learning_rate": 2e-4,
    }
    assert config.eval.sampling.temperature == 0.7 and config.per_category == 2
    with pytest.raises(UsageError, match="learning_rate must be positive"):
        cell_config(BASE, "g", {"learning_rate": -1.0})


def _report(adapter: str | None, passed: list[bool]) -> EvalReport:
    results = tuple(
        EvalResult(f"p{i}", "reasoning", p, float(p), None, "", "none", (), None, "", 0.0)
        for i, p in enumerate(passed)
    )
    return EvalReport("m", adapter, "s", "h", results, len(results), "", 0.0)


async def test_the_grid_runs_every_cell_and_tabulates_intervals_and_decisions() -> None:
    ran: list[str] = []

    async def fake_run(config: ExperimentConfig, hooks: Hooks) -> ExperimentResult:
        ran.append(config.name)
        adapter = _report("a", [True] * (4 if "lr0.0002" in config.name else 1) + [False] * 2)
        return ExperimentResult(
            _report(None, [False] * 6), adapter, Decision("improved", "x"), config.compare_html, config.journal,
            Path("b"), config.adapter_eval_dir,
        )  # fmt: skip

    steps: list[str] = []
    results = await run_grid(
        BASE, "g", [parse_axis("learning_rate=1e-4,2e-4")], Hooks(steps.append), fake_run
    )
    assert ran == ["g-lr0.0001", "g-lr0.0002"] and steps[0] == "grid cell 1/2: g-lr0.0001"
    headers, rows = grid_rows(results)
    assert headers == ["learning_rate", "Reasoning", "decision"]
    assert rows[0][:2] == [
        "base model",
        "0.0% (95% CI 0.0–39.0%, n = 6)",
    ]  # issue 31: the base beside the cells
    assert rows[2][:2] == ["0.0002", "66.7% (95% CI 30.0–90.3%, n = 6)"]
    page = render_grid_html("g", results)
    assert "g-lr0.0002/compare.html" in page and "95% Wilson" in page and "<script" not in page


def _row(user: str, category: str) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": "a"}],
            "category": category}  # fmt: skip


async def test_the_replay_axis_remixes_the_training_split_and_keeps_validation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    train = [_row(f"tool {i}", "read_file") for i in range(10)] + [
        _row("r1", "replay"),
        _row("r2", "replay"),
    ] * 2
    write_dataset(data, {"train": train, "valid": [_row("v", "replay")]})
    base = dataclasses.replace(BASE, data_dir=data, runs_dir=tmp_path / "runs")
    seen: dict[str, list[dict[str, object]]] = {}

    async def fake_run(config: ExperimentConfig, hooks: Hooks) -> ExperimentResult:
        seen[config.name] = read_dataset(config.data_dir)["train"]
        assert read_dataset(config.data_dir)["valid"] == [_row("v", "replay")]
        report = _report("a", [True])
        return ExperimentResult(
            report, report, Decision("unchanged", "x"), config.compare_html, config.journal, Path("b"), config.adapter_eval_dir
        )  # fmt: skip

    await run_grid(base, "g", [parse_axis("replay=0,0.5")], Hooks(lambda _: None), fake_run)
    categories = {name: [r["category"] for r in rows] for name, rows in seen.items()}
    assert categories["g-rp0"] == ["read_file"] * 10
    assert sorted(categories["g-rp0.5"]) == ["read_file"] * 10 + ["replay"] * 5
    assert (tmp_path / "runs/g/data/replay0.5/train.jsonl").is_file()


async def test_the_replay_axis_needs_replay_answers_in_the_dataset(tmp_path: Path) -> None:
    write_dataset(tmp_path / "data", {"train": [_row("tool", "read_file")]})
    base = dataclasses.replace(BASE, data_dir=tmp_path / "data", runs_dir=tmp_path / "runs")

    async def never(config: ExperimentConfig, hooks: Hooks) -> ExperimentResult:
        raise AssertionError("no cell runs")

    with pytest.raises(UsageError, match="train.jsonl has no replay answers"):
        await run_grid(base, "g", [parse_axis("replay=0.3")], Hooks(lambda _: None), never)


def test_a_training_cell_takes_training_settings_only() -> None:
    assert training_cell(["learning_rate=3e-4", "iters=60", "method=dpo"]) == {
        "learning_rate": 3e-4,
        "iters": 60,
        "method": "dpo",
    }
    with pytest.raises(UsageError, match="--vary temperature=0.7: not a training setting"):
        training_cell(["temperature=0.7"])
    with pytest.raises(UsageError, match="expected NAME=V1"):
        training_cell(["nonsense"])
