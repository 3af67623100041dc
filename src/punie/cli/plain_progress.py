"""Progress for output that is not a terminal (a pipe, a CI log, `nohup`): rich draws no live bar
there, so a piped `punie demo` once printed nothing for six minutes. This prints a line when a
bar starts and ends, and a heartbeat with its counts at least every `interval` seconds, even while
nothing advances (a model loading, a slow prompt)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any

from rich.progress import TaskID

HEARTBEAT_SECONDS = 30.0


@dataclass
class _Task:
    label: str
    total: int
    completed: int = 0
    status: str = ""
    finished: bool = False
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        elapsed = int(time.monotonic() - self.started)
        status = f" {self.status}" if self.status else ""
        return f"{self.label}: {self.completed}/{self.total}{status} [{elapsed // 60}:{elapsed % 60:02d}]"


class PlainProgress:
    """The part of rich's `Progress` punie uses (`add_task`, `update`, a `with` block), as lines."""

    def __init__(self, stream: IO[str], interval: float = HEARTBEAT_SECONDS) -> None:
        self.stream = stream
        self.interval = interval
        self.tasks: list[_Task] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, daemon=True)

    def _say(self, text: str) -> None:
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.interval):
            for task in list(self.tasks):
                if not task.finished:  # a finished bar said "done" once and stays quiet
                    self._say(task.line())

    def add_task(self, label: str, total: int, **fields: Any) -> TaskID:
        task = _Task(label, total, status=str(fields.get("status", "")))
        self.tasks.append(task)
        self._say(f"{label}: started (0/{total})")
        return TaskID(len(self.tasks) - 1)

    def update(
        self, task_id: TaskID, *, advance: int = 0, completed: int | None = None, **fields: Any
    ) -> None:
        task = self.tasks[task_id]
        task.completed = completed if completed is not None else task.completed + advance
        if "status" in fields:
            task.status = str(fields["status"])
        if task.completed >= task.total and not task.finished:
            task.finished = True
            self._say(task.line() + " done")

    def __enter__(self) -> PlainProgress:
        self._beat.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._beat.join()
        for task in self.tasks:
            if not task.finished:
                self._say(task.line() + (" done" if kind is None else " stopped"))
