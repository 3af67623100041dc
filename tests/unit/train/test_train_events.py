import json

import pytest

from punie.train.bench_compare import combine_repeats, ratio_rows
from punie.train.benchmark import BenchmarkResult, after_untimed
from punie.train.events import parse_event, summarize

LINES = [
    {"event": "start", "device": "Device(cpu, 0)", "mlx": "0.32.4", "mlx_lm": "0.32.2"},
    {"event": "loaded", "seconds": 1.5},
    {"event": "val", "iteration": 0, "val_loss": 3.0, "val_time": 0.4},
    {
        "event": "train",
        "iteration": 1,
        "train_loss": 2.5,
        "learning_rate": 1e-5,
        "iterations_per_second": 0.5,
        "tokens_per_second": 100.0,
        "trained_tokens": 200,
        "peak_memory": 1.2,
    },
    {
        "event": "train",
        "iteration": 2,
        "train_loss": 2.0,
        "learning_rate": 1e-5,
        "iterations_per_second": 0.25,
        "tokens_per_second": 50.0,
        "trained_tokens": 400,
        "peak_memory": 1.3,
    },
    {"event": "done", "train_seconds": 6.0, "trainable_parameters": 1234, "peak_memory_gb": 1.3},
]


def test_parse_event_skips_partial_and_foreign_lines() -> None:
    assert parse_event("") is None
    assert parse_event('{"event": "train", "iter') is None
    assert parse_event('{"no_event": 1}') is None
    assert parse_event('{"event": "loaded", "seconds": 1}') == {"event": "loaded", "seconds": 1}


def test_summarize() -> None:
    summary = summarize(parse_event(json.dumps(line)) for line in LINES)  # type: ignore[misc]
    assert summary.finished and summary.error is None
    assert summary.device == "Device(cpu, 0)" and summary.load_seconds == 1.5
    assert [r.seconds_per_iter for r in summary.train] == [2.0, 4.0]
    assert summary.val[0].val_loss == 3.0
    assert summary.trainable_parameters == 1234


def test_error_event_is_kept() -> None:
    summary = summarize([{"event": "error", "message": "ValueError: boom"}])
    assert not summary.finished and summary.error == "ValueError: boom"


def _result(seconds: tuple[float, ...], tps: float) -> BenchmarkResult:
    return BenchmarkResult(
        model_path="m",
        seconds_per_iter=seconds[-1],
        total_seconds=sum(seconds),
        num_iters=len(seconds),
        peak_memory_gb=1.0,
        tokens_per_second=tps,
        load_seconds=1.0,
        untimed_iters=1,
        iteration_seconds=seconds,
        peak_rss_gb=2.0,
    )


def test_combine_repeats_uses_every_timed_iteration() -> None:
    combined = combine_repeats([_result((9.0, 2.0, 2.0), 100.0), _result((9.0, 4.0, 4.0), 50.0)])
    assert combined.repeats == 2
    assert combined.seconds_per_iter == 3.0  # median of 2, 2, 4, 4: warm-ups (9 s) excluded
    assert (combined.min_seconds_per_iter, combined.max_seconds_per_iter) == (2.0, 4.0)
    assert combined.tokens_per_second == pytest.approx((100 * 4 + 50 * 8) / 12)
    assert combined.speed_band is not None and combined.speed_band.decision == "proceed"


def test_ratio_rows() -> None:
    rows = ratio_rows([("fast", _result((1.0, 1.0), 200.0)), ("slow", _result((4.0, 4.0), 50.0))])
    assert rows[0][3] == "1.00x" and rows[1][3] == "0.25x"


def test_an_interrupted_child_gets_time_for_its_slowest_step() -> None:
    from punie.train.child_runner import save_wait
    from punie.train.events import summarize

    slow = [{"event": "train", "iteration": i, "train_loss": 1.0, "learning_rate": 1e-4, "iterations_per_second": 0.05,
             "tokens_per_second": 10.0, "trained_tokens": 100.0, "peak_memory": 0.1} for i in (1, 2)]  # fmt: skip
    assert save_wait(summarize(slow)) >= 3 * 20  # 20 s steps are never cut off
    assert save_wait(summarize([])) == 60.0


def test_timed_windows_start_after_the_warm_up() -> None:
    assert after_untimed([1, 1, 1, 1], 2) == [2, 3]  # a report every step: iterations 3 and 4
    assert after_untimed([10, 10, 5], 10) == [1, 2]  # windows 11-20 and 21-25
    assert after_untimed([10, 10], 15) == [0, 1]  # none starts after 15: all count
