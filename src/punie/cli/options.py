"""Help texts of options that several commands share, written once, and what they build."""

from __future__ import annotations

from pathlib import Path

from punie.train.launch import Launch

UNSAFE_EXEC_HELP = (
    "Run model-written code (hidden tests, run_command) WITHOUT OS isolation where none is available; "
    "recorded in report.json and the journal."
)
TIMEOUT_HELP = (
    "Seconds per eval prompt (default: scaled to the generation speed measured at start). A prompt "
    "that times out is incomplete, never a model failure; --resume / rerunning retries it."
)
PROCESSES_HELP = (
    "Training processes per host, through mlx.launch (the global --batch-size is split across all)."
)
HOSTS_HELP = "Hosts to train on over ssh (repeat, or comma-separate); the same paths must exist on each."
HOSTFILE_HELP = "An mlx.launch hostfile (JSON; `mlx.distributed_config` writes one) instead of --hosts."
BACKEND_HELP = "mlx.launch backend: ring (TCP), mpi, nccl (NVIDIA GPUs), auto (nccl on a GPU, else ring)."


def launch_from(processes: int, hosts: list[str] | None, hostfile: Path | None, backend: str) -> Launch:
    """The Launch that the distributed-training options describe (hosts may be comma-separated)."""
    names = tuple(h.strip() for entry in hosts or [] for h in entry.split(",") if h.strip())
    return Launch(processes=processes, hosts=names, hostfile=hostfile, backend=backend)  # type: ignore[arg-type]
