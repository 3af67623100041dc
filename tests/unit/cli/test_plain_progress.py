"""Progress when output is not a terminal: lines, and a heartbeat while nothing advances."""

from __future__ import annotations

import io
import time

from punie.cli.plain_progress import PlainProgress


def test_a_heartbeat_with_counts_comes_even_while_nothing_advances() -> None:
    stream = io.StringIO()
    with PlainProgress(stream, interval=0.05) as progress:
        task = progress.add_task("eval", total=36, status="")
        progress.update(task, advance=1, status="t-read: pass")
        time.sleep(0.3)  # a slow prompt: no update, yet lines keep coming
    lines = stream.getvalue().splitlines()
    assert lines[0] == "eval: started (0/36)"
    beats = [line for line in lines if line.startswith("eval: 1/36 t-read: pass [0:00]")]
    assert len(beats) >= 3 and lines[-1].endswith("done")


def test_a_finished_bar_says_done_once_and_stays_quiet() -> None:
    stream = io.StringIO()
    with PlainProgress(stream, interval=0.05) as progress:
        task = progress.add_task("training", total=2, status="")
        progress.update(task, completed=2, status="loss 1.0")
        time.sleep(0.3)
    assert stream.getvalue().splitlines()[1:] == ["training: 2/2 loss 1.0 [0:00] done"]


def test_output_that_is_not_a_terminal_gets_lines() -> None:
    from punie.cli import ui

    assert not ui.err.is_terminal  # pytest captures stderr, as a pipe or a CI log would
    assert isinstance(ui._bar(), PlainProgress)
