"""Shared fixtures. Integration tests use the real embedded model, prepared once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path(os.environ.get("PUNIE_HOME") or REPO / ".ci-punie-home")


# Every test process shares one model cache: preparing the model takes ~15 s.
os.environ["PUNIE_HOME"] = str(_default_home())


@pytest.fixture(scope="session")
def punie_home() -> Path:
    return Path(os.environ["PUNIE_HOME"])


@pytest.fixture(scope="session")
def serve_model_dir(punie_home: Path) -> Path:
    from punie.runtime.models import resolve_model

    return resolve_model("smollm2-135m", "serve").path


@pytest.fixture(scope="session")
def train_model_dir(punie_home: Path) -> Path:
    from punie.runtime.models import resolve_model

    return resolve_model("smollm2-135m", "train").path


@pytest.fixture(autouse=True)
def no_leftover_children() -> Iterator[None]:
    """Every process a test starts must be stopped by that test."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield
    left = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    ]
    for proc in left:
        proc.kill()
    assert not left, f"test left processes running: {[p.cmdline() for p in left]}"
