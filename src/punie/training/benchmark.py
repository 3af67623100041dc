"""Seed path `punie.training.benchmark`: re-exports `punie.train.benchmark`."""

from punie.train.benchmark import BenchmarkResult, create_dummy_dataset, run_training_benchmark

__all__ = ["BenchmarkResult", "create_dummy_dataset", "run_training_benchmark"]
