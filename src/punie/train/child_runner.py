"""The async shell around the training child: start it, stream its events, watch its memory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from punie.errors import PunieError
from punie.runtime.blas import BlasChoice
from punie.runtime.child_env import child_env
from punie.runtime.ports import free_port_run
from punie.runtime.supervise import spawn, stop_process, tail
from punie.train.events import ChildSummary, parse_event, summarize
from punie.train.launch import Launch, launch_command, launcher, rank_env, rank_failures, resolved

EventHandler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ChildRun:
    summary: ChildSummary
    exit_code: int
    wall_seconds: float
    peak_rss_gb: float
    command: tuple[str, ...]
    log_path: Path
    events_path: Path


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total


class _EventTail:
    """Reads complete new lines from the events file as the child appends them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.events: list[dict[str, Any]] = []

    def poll(self, handler: EventHandler | None) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return
        complete = chunk[: chunk.rfind("\n") + 1]
        self.offset += len(complete.encode("utf-8"))
        for line in complete.splitlines():
            event = parse_event(line)
            if event is not None:
                self.events.append(event)
                if handler:
                    handler(event)


class TrainingInterrupted(PunieError):
    """Ctrl-C during training, after the child saved the last completed step's weights."""

    exit_code = 130


def save_wait(summary: ChildSummary) -> float:
    """Seconds to give an interrupted child to finish its step and save: three of its slowest
    steps so far, at least a minute (a step of any length is never cut off by a fixed grace)."""
    slowest = max(
        (r.seconds_per_iter for r in summary.train if r.seconds_per_iter != float("inf")), default=0.0
    )
    return max(60.0, 3 * slowest + 30.0)


def disk_full(path: Path, margin: int = 1 << 20) -> str | None:
    """Pure but for one statfs: a note when the disk holding `path` has under `margin` bytes free."""
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return None
    return f"the disk holding {path} is full ({free:,} bytes free)" if free < margin else None


def training_command(spec_path: Path, python: str = sys.executable) -> list[str]:
    """Pure: the argv of the training child (`punie train`'s and the benchmark's: the one builder)
    that reads its spec from `spec_path`."""
    return [python, "-m", "punie.train.child", str(spec_path)]


def launched_command(spec_path: Path, launch: Launch, env: dict[str, str]) -> list[str]:
    """The child's command, through mlx.launch when `launch` spreads it over ranks; a local ring
    gets free loopback ports (one per rank), never mlx.launch's fixed default."""
    command = training_command(spec_path)
    if not launch.distributed:
        return command
    port = free_port_run(launch.world_size) if launch.backend == "ring" and launch.local_only else None
    return launch_command(launch, command, port, env, launcher())


def failure_detail(summary: ChildSummary, log_path: Path, launch: Launch) -> str:
    """Why a training child failed: its error event, else (under mlx.launch) which ranks ended
    and how, else the end of its log."""
    ended = rank_failures(tail(log_path, 200)) if launch.distributed else []
    if ended:
        return f"{'; '.join(ended)}, and mlx.launch stopped the other processes"
    return summary.error or tail(log_path, 12)


async def run_training_child(
    spec: dict[str, Any],
    workdir: Path,
    blas: BlasChoice | None = None,
    on_event: EventHandler | None = None,
    poll_seconds: float = 0.5,
    spec_name: str = "child-spec.json",
    append_events: bool = False,
    launch: Launch | None = None,
) -> ChildRun:
    """Run one training child to the end; raise PunieError (with its log) when it fails.

    With `append_events` (a resumed run) earlier events stay in the file; only new ones are read.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    events_path = Path(spec.get("events_path") or workdir / "events.jsonl")
    if not append_events:
        events_path.unlink(missing_ok=True)
    spec = {**spec, "events_path": str(events_path)}
    launch = resolved(launch or Launch(), str(spec.get("device") or "cpu"))
    if launch.distributed:
        spec["backend"] = launch.backend
    spec_path = workdir / spec_name
    spec_path.write_text(json.dumps(spec, indent=2))
    log_path = workdir / "train.log"
    env = rank_env(child_env(blas), launch, os.cpu_count() or 1)
    command = launched_command(spec_path, launch, env)
    events = _EventTail(events_path)
    if append_events and events_path.exists():
        events.offset = events_path.stat().st_size
    started = time.perf_counter()
    proc = await spawn(command, env, log_path)
    peak = 0
    try:
        while proc.returncode is None:
            peak = max(peak, tree_rss_bytes(proc.pid))
            events.poll(on_event)
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a Ctrl-C
            # cancellation that lands just as the awaited call finishes.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await proc.wait()
    except asyncio.CancelledError:
        # Ctrl-C: the child finishes its step and saves its weights; wait for that (a second
        # Ctrl-C stops at once), then say where they are.
        await stop_process(proc, timeout=save_wait(summarize(events.events)))
        events.poll(on_event)
        stopped = next((e for e in reversed(events.events) if e.get("event") == "interrupted"), None)
        if stopped is not None:
            raise TrainingInterrupted(
                f"interrupted after iteration {int(stopped['iteration'])}: its weights are saved in "
                f"{stopped['adapter']}; continue with --resume"
            ) from None
        raise
    finally:
        await stop_process(proc)
    events.poll(on_event)
    summary = summarize(events.events)
    run = ChildRun(
        summary=summary,
        exit_code=proc.returncode if proc.returncode is not None else -1,
        wall_seconds=time.perf_counter() - started,
        peak_rss_gb=peak / 1e9,
        command=tuple(command),
        log_path=log_path,
        events_path=events_path,
    )
    if run.exit_code != 0 or not summary.finished:
        full = disk_full(workdir)
        if full:  # the child may not even have been able to write its error event or log
            raise PunieError(f"training stopped: {full}; the checkpoints already written are whole")
        detail = failure_detail(summary, log_path, launch)
        raise PunieError(f"training child failed (exit {run.exit_code}, log: {log_path}): {detail}")
    return run
