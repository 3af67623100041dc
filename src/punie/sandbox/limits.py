"""What a sandboxed run may use, what it asks to run, and what came back: frozen, checked once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from punie.errors import UsageError

OUTPUT_LIMIT = 20_000  # characters of each stream kept (the tail: tracebacks end there)


@dataclass(frozen=True)
class SandboxLimits:
    wall_seconds: float = 10.0  # everything included: start-up, the run, output draining
    cpu_seconds: int = 10
    memory_bytes: int = 1 << 30  # address space of each process
    memory_total_bytes: int = 4 << 30  # the whole run (a cgroup, or a per-process budget under it)
    file_bytes: int = 16 << 20  # largest single file
    processes: int = 32
    work_bytes: int = 64 << 20  # all files written to the workspace together
    tmp_bytes: int = 16 << 20  # all files written to /tmp together
    inodes: int = 4096  # files and directories in each of the two
    output_bytes: int = 1 << 20  # stdout + stderr together; past it the run is killed
    unsafe_exec: bool = False  # the user's explicit --unsafe-exec: run without OS isolation

    def __post_init__(self) -> None:
        for name in ("wall_seconds", "cpu_seconds", "memory_bytes", "memory_total_bytes", "file_bytes",
                     "processes", "work_bytes", "tmp_bytes", "inodes", "output_bytes"):  # fmt: skip
            if getattr(self, name) <= 0:
                raise UsageError(f"sandbox limit {name} must be positive, got {getattr(self, name)}")


# Directories a read path may never be (a package directory is always deeper than these).
FORBIDDEN_READS = ("/", "/root", "/home", "/etc", "/proc", "/sys", "/dev", "/tmp", "/var", "/run")


@dataclass(frozen=True)
class ExecRequest:
    """One command to run contained. `argv[0]` is an absolute path; the command starts in the
    workspace, which holds `files` and, when `workspace` is given, a copy of that host directory
    (copied back afterwards when `sync_back`). `nonce`, when set, is readable once from a pipe
    whose descriptor number is the last argument (the harness's; a backend that cannot place
    the pipe at fd 3 rewrites that argument). `read_paths` are host directories the command may
    read (never write) at their own paths: installed packages a tool module imports, chosen by
    punie from what is installed, never named by the command itself."""

    argv: tuple[str, ...]
    files: Mapping[str, str] = field(default_factory=dict)
    workspace: Path | None = None
    sync_back: bool = False
    nonce: str | None = None
    read_paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for path in self.read_paths:
            if not os.path.isabs(path) or os.path.realpath(path) != path or not os.path.isdir(path):
                raise ValueError(f"read_paths: {path!r} is not an existing directory by its real path")
            inside = any(path.startswith(f"{kernel}/") for kernel in ("/proc", "/sys", "/dev"))
            if path in FORBIDDEN_READS or inside or os.path.dirname(path) == path:
                raise ValueError(f"read_paths: {path!r} would open too much of the host to the sandbox")


@dataclass(frozen=True)
class SandboxResult:
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    isolation: str  # the backend that contained it ("linux-namespaces", "macos-seatbelt", "unsafe")
    output_truncated: bool = False
    completed: bool | None = None  # a harness's completion marker was seen (None: none asked for)
    layers: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Exit 0 in time and, where a completion marker was asked for, the marker. An exit status
        alone never means passed for a test harness."""
        return self.exit_code == 0 and not self.timed_out and self.completed is not False
