"""A prompt longer than the model's context is refused before its server starts (issue 31)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_punie


@pytest.mark.integration
def test_a_prompt_longer_than_the_context_is_refused_before_the_server_starts(
    tmp_path: Path, serve_model_dir: Path
) -> None:
    """Issue 31: a 5 MB prompt was sent and processed for minutes."""
    suite = tmp_path / "big.yaml"
    huge = "word " * 1_000_000  # 5 MB
    suite.write_text(
        json.dumps([{"id": "huge", "category": "reasoning", "prompt_text": huge, "expected_answer": "1"}])
    )
    done = run_punie(
        "eval", "--suite", str(suite), "--model", str(serve_model_dir), "-o", str(tmp_path / "out")
    )
    assert done.returncode == 2 and "huge (1,0" in done.stderr and "context of 8,192 tokens" in done.stderr, (
        done.stderr
    )
    assert "Traceback" not in done.stderr and not (tmp_path / "out" / "server.log").exists()
