"""Distributed training through MLX's own launcher, `mlx.launch` (pure settings and commands).

mlx-lm's trainer already averages gradients across ranks and splits each global batch between
them (every rank takes batch_size / world_size examples); `mlx.launch` starts the ranks, locally
or over ssh, and wires the backend: `ring` (TCP), `mpi`, `nccl` (NVIDIA GPUs). punie only builds
its command line, checks the settings first and records what ran.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from punie.errors import UsageError

Backend = Literal["auto", "ring", "mpi", "nccl"]
BACKENDS: tuple[str, ...] = ("auto", "ring", "mpi", "nccl")
MAX_PROCESSES = 64
LOCAL = "127.0.0.1"
# What a remote rank needs from punie's child environment (local ranks inherit all of it).
REMOTE_ENV = ("PUNIE_DEVICE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PYTHONUNBUFFERED")
RANK_ENDED = re.compile(r"Node with rank (\d+) (was killed|exited with code (-?\d+))")


@dataclass(frozen=True)
class Launch:
    """How many processes train, and where: `processes` per host (this machine when no hosts)."""

    processes: int = 1
    hosts: tuple[str, ...] = ()
    hostfile: Path | None = None
    backend: Backend = "auto"

    def __post_init__(self) -> None:
        if not 1 <= self.processes <= MAX_PROCESSES:
            raise UsageError(f"--processes must be from 1 to {MAX_PROCESSES}, got {self.processes}")
        if self.backend not in BACKENDS:
            raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.hosts and self.hostfile is not None:
            raise UsageError("give --hosts or --hostfile, not both")
        if self.hostfile is not None and self.processes != 1:
            raise UsageError("--processes repeats --hosts; in a --hostfile list a host once per process")
        if any(not h.strip() or "," in h for h in self.hosts):
            raise UsageError(f"--hosts: one host name or IP per entry, got {list(self.hosts)}")
        if self.hostfile is not None:
            hostfile_hosts(self.hostfile)  # fails now, naming the file, not inside mlx.launch

    @property
    def distributed(self) -> bool:
        return self.processes > 1 or bool(self.hosts) or self.hostfile is not None

    @property
    def local_only(self) -> bool:
        return self.hostfile is None and all(h in (LOCAL, "localhost") for h in self.hosts)

    @property
    def world_size(self) -> int:
        if self.hostfile is not None:
            return len(hostfile_hosts(self.hostfile))
        return max(len(self.hosts), 1) * self.processes

    def describe(self) -> str:
        where = "this machine" if self.local_only else f"{len(set(self.hostlist()))} host(s)"
        return f"{self.world_size} processes on {where}, backend {self.backend}"

    def hostlist(self) -> list[str]:
        if self.hostfile is not None:
            return hostfile_hosts(self.hostfile)
        return [LOCAL if h == "localhost" else h for h in self.hosts] or [LOCAL]


def resolved(launch: Launch, device: str, platform: str = sys.platform) -> Launch:
    """Pure: `auto` made concrete as mlx.launch would choose it (NCCL for NVIDIA GPUs, which MLX
    has on Linux only; else the TCP ring), so the command and the records name the backend used."""
    if launch.backend != "auto":
        return launch
    backend: Backend = "nccl" if device == "gpu" and platform == "linux" else "ring"
    return dataclasses.replace(launch, backend=backend)


def hostfile_hosts(path: Path) -> list[str]:
    """The hosts of an `mlx.distributed_config` hostfile (a JSON list of {"ssh": ..., "ips": [...]})."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such hostfile") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, list) or not data or not all(isinstance(h, dict) and h.get("ssh") for h in data):
        example = '{"ssh": "host", "ips": ["10.0.0.2"]}'
        raise UsageError(f"{path}: expected a JSON list of hosts, each like {example}")
    return [str(h["ssh"]) for h in data]


def check_batches(launch: Launch, batch_size: int) -> None:
    """mlx-lm splits each global batch evenly across ranks: say so before anything starts."""
    world = launch.world_size
    if batch_size % world:
        raise UsageError(
            f"--batch-size {batch_size} is the global batch, split evenly across {world} processes: "
            f"use a multiple of {world}"
        )


def launcher() -> str:
    """`mlx.launch` of the Python that runs punie (beside it in a virtual environment)."""
    beside = Path(sys.executable).parent / "mlx.launch"
    found = str(beside) if beside.is_file() else shutil.which("mlx.launch")
    if not found:
        raise UsageError("mlx.launch is not installed (it ships with mlx): reinstall punie's environment")
    return found


def launch_command(
    launch: Launch, command: list[str], port: int | None, env: Mapping[str, str], program: str = "mlx.launch"
) -> list[str]:
    """Pure: `command` run on every rank by mlx.launch. `port` is the first ring port (one per
    rank from there); remote ranks get the REMOTE_ENV part of `env`."""
    out = [program]
    if launch.backend != "auto":
        out += ["--backend", launch.backend]
    if launch.hostfile is not None:
        out += ["--hostfile", str(launch.hostfile)]
    else:
        out += ["--hosts", ",".join(launch.hostlist()), "-n", str(launch.processes)]
    if port is not None:
        out += ["--starting-port", str(port)]
    if not launch.local_only:
        out += [arg for key in REMOTE_ENV if key in env for arg in ("--env", f"{key}={env[key]}")]
    return [*out, "--", *command]


def rank_env(env: Mapping[str, str], launch: Launch, cpus: int) -> dict[str, str]:
    """Pure: the environment for local ranks: the cores shared among them (each BLAS would
    otherwise start a thread per core, and N ranks on one machine would oversubscribe it N times),
    unless the user set the thread counts."""
    out = dict(env)
    if launch.distributed and launch.local_only:
        share = str(max(1, cpus // launch.world_size))
        for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            out.setdefault(key, share)
    return out


def rank_failures(log_text: str) -> list[str]:
    """Pure: what mlx.launch said of ranks that ended badly ("rank 1 was killed")."""
    return [
        f"process {rank} was killed" if how == "was killed" else f"process {rank} exited with code {code}"
        for rank, how, code in RANK_ENDED.findall(log_text)
    ]
