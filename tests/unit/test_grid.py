"""The grid's pure parts and its loop, with a fake experiment runner (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
)
from punie.experiment.plan import EvalSettings, ExperimentConfig, training_settings
from punie.experiment.run import ExperimentResult, Hooks

BASE = ExperimentConfig(
    name="g", data_dir=Path("data"), runs_dir=Path("runs"), training=training_settings(30, batch_size=2),
    eval=EvalSettings(per_category=2),
)  # fmt: skip


def test_axes_parse_and_refuse_in_one_line() -> None:
    assert parse_axis("learning_rate=1e-4, 2e-4").values == (1e-4, 2e-4)
    assert parse_axis("mask-prompt=true,false").values == (True, False)
    with pytest.raises(UsageError, match="NAME=V1,V2"):
        parse_axis("dropout=0.1")
    with pytest.raises(UsageError, match="iters takes values like 20,40"):
        parse_axis("iters=ten")


def test_cells_are_the_product_and_each_is_an_ordinary_experiment() -> None:
    plan = cells(
        [parse_axis("learning_rate=1e-4,2e-4"), parse_axis("iters=10,20"), parse_axis("temperature=0,0.7")]
    )
    assert len(plan) == 8 and plan[0] == {"learning_rate": 1e-4, "iters": 10, "temperature": 0.0}
    assert cell_name("g", plan[-1]) == "g-lr0.0002-it20-t0.7"
    config = cell_config(BASE, "g", plan[-1])
    assert config.runs_dir == Path("runs/g") and config.root == Path("runs/g/g-lr0.0002-it20-t0.7")
    assert config.training == {
        "iters": 20,
        "save_every": 10,
        "steps_per_eval": 20,
        "batch_size": 2,
        "learning_rate": 2e-4,
    }
    assert config.eval.temperature == 0.7 and config.eval.per_category == 2
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
            _report(None, [False] * 6), adapter, "improved", "x", config.compare_html, config.journal,
            Path("b"), config.adapter_eval_dir,
        )  # fmt: skip

    steps: list[str] = []
    results = await run_grid(
        BASE, "g", [parse_axis("learning_rate=1e-4,2e-4")], Hooks(steps.append), fake_run
    )
    assert ran == ["g-lr0.0001", "g-lr0.0002"] and steps[0] == "grid cell 1/2: g-lr0.0001"
    headers, rows = grid_rows(results)
    assert headers == ["learning_rate", "Reasoning", "decision"]
    assert rows[1][:2] == ["0.0002", "66.7% (95% CI 30.0–90.3%, n = 6)"]
    page = render_grid_html("g", results)
    assert "g-lr0.0002/compare.html" in page and "95% Wilson" in page and "<script" not in page
