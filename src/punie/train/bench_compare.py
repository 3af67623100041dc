"""Pure helpers for the benchmark CLI: combining repeats and comparing variants."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence

from punie.train.benchmark import BenchmarkResult
from punie.train.speed_bands import Thresholds, speed_band


def combine_repeats(
    results: Sequence[BenchmarkResult], thresholds: Thresholds = Thresholds()
) -> BenchmarkResult:
    """One result over several repeats: median and spread over every timed iteration of all."""
    if len(results) == 1:
        return results[0]
    timed = [r.iteration_seconds[i] for r in results for i in r.timed_reports()]
    durations = [r.timed_duration() for r in results]
    tokens = sum(r.tokens_per_second * d for r, d in zip(results, durations, strict=True))
    median = statistics.median(timed)
    load = statistics.median(r.load_seconds for r in results)
    peaks = [r.peak_memory_gb for r in results if r.peak_memory_gb is not None]
    return dataclasses.replace(
        results[0],
        seconds_per_iter=median,
        total_seconds=statistics.median(r.total_seconds for r in results),
        tokens_per_second=tokens / sum(durations),
        load_seconds=load,
        min_seconds_per_iter=min(timed),
        max_seconds_per_iter=max(timed),
        peak_memory_gb=max(peaks) if peaks else None,
        peak_rss_gb=max(r.peak_rss_gb for r in results),
        iteration_seconds=tuple(s for r in results for s in r.iteration_seconds),
        iteration_tokens_per_second=tuple(t for r in results for t in r.iteration_tokens_per_second),
        report_steps=tuple(n for r in results for n in r.window_steps),
        repeats=len(results),
        speed_band=speed_band(median, load, thresholds),
    )


def ratio_rows(named: Sequence[tuple[str, BenchmarkResult]]) -> list[tuple[str, str, str, str]]:
    """(variant, tok/s, s/iter, speed vs the first variant) for a comparison table."""
    base = named[0][1].tokens_per_second
    return [
        (
            name,
            f"{result.tokens_per_second:.1f}",
            f"{result.seconds_per_iter:.2f}",
            f"{result.tokens_per_second / base:.2f}x" if base else "-",
        )
        for name, result in named
    ]
