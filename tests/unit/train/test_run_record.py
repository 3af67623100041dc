"""The run.json beside an adapter, read back by a resumed experiment: whole, absent, or damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.train.runner import read_run_record


def test_a_record_is_read_whole_and_a_missing_one_is_none(tmp_path: Path) -> None:
    assert read_run_record(tmp_path) is None
    (tmp_path / "run.json").write_text('{"config": {"model": "smollm2-135m"}}')
    assert read_run_record(tmp_path) == {"config": {"model": "smollm2-135m"}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"config": {\n"model": }',
            r"run.json:2: not valid JSON \(Expecting value\); train again with --force$",
        ),
        ("", r"run.json:1: not valid JSON \(Expecting value\); train again with --force$"),
        ("[1, 2]", r"run.json:1: not a training record \(a JSON object\); train again with --force$"),
    ],
)
def test_a_damaged_record_names_its_line_in_one_whole_sentence(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "run.json").write_text(text)
    with pytest.raises(UsageError, match=message):
        read_run_record(tmp_path)
