"""Distributed-training settings and the mlx.launch command line (pure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.cli.train_options import launch_from
from punie.errors import UsageError
from punie.train.launch import Launch, check_batches, launch_command, rank_env, rank_failures, resolved

INNER = ["python", "-m", "punie.train.child", "spec.json"]


def test_local_ranks_run_on_loopback_with_the_given_ports() -> None:
    launch = Launch(processes=2, backend="ring")
    assert launch.distributed and launch.local_only and launch.world_size == 2
    assert launch_command(launch, INNER, 40000, {"PUNIE_DEVICE": "cpu"}) == [
        "mlx.launch", "--backend", "ring", "--hosts", "127.0.0.1", "-n", "2",
        "--starting-port", "40000", "--", *INNER,
    ]  # fmt: skip
    assert not Launch().distributed and Launch().world_size == 1


def test_remote_hosts_get_the_environment_a_rank_needs(tmp_path: Path) -> None:
    launch = launch_from(2, ["10.0.0.2,10.0.0.3"], None, "auto")
    assert launch.hosts == ("10.0.0.2", "10.0.0.3") and launch.world_size == 4 and not launch.local_only
    command = launch_command(launch, INNER, None, {"PUNIE_DEVICE": "gpu", "SECRET": "x"})
    assert command[:5] == ["mlx.launch", "--hosts", "10.0.0.2,10.0.0.3", "-n", "2"]
    assert "PUNIE_DEVICE=gpu" in command and not any("SECRET" in part for part in command)
    hostfile = tmp_path / "hosts.json"
    hostfile.write_text(json.dumps([{"ssh": "a", "ips": ["10.0.0.2"]}, {"ssh": "b", "ips": ["10.0.0.3"]}]))
    from_file = Launch(hostfile=hostfile, backend="nccl")
    assert from_file.world_size == 2 and "--hostfile" in launch_command(from_file, INNER, None, {})


def test_auto_names_the_backend_mlx_launch_would_pick() -> None:
    assert resolved(Launch(processes=2), "cpu").backend == "ring"
    assert resolved(Launch(processes=2), "gpu", "linux").backend == "nccl"
    assert resolved(Launch(processes=2), "gpu", "darwin").backend == "ring"
    assert resolved(Launch(processes=2, backend="mpi"), "gpu").backend == "mpi"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"processes": 0}, "--processes must be from 1 to 64"),
        ({"backend": "tcp"}, "--backend must be one of auto, ring, mpi, nccl"),
        ({"hosts": ("a",), "hostfile": Path("h.json")}, "not both"),
        ({"hostfile": Path("/nonexistent/h.json")}, "no such hostfile"),
    ],
)
def test_bad_settings_are_one_line(kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Launch(**kwargs)


def test_a_broken_hostfile_names_its_line(tmp_path: Path) -> None:
    hostfile = tmp_path / "h.json"
    hostfile.write_text('[\n  {"ssh": }\n]')
    with pytest.raises(UsageError, match=r"h.json:2: not valid JSON"):
        Launch(hostfile=hostfile)
    hostfile.write_text('{"ssh": "a"}')
    with pytest.raises(UsageError, match="expected a JSON list of hosts"):
        Launch(hostfile=hostfile)


def test_the_global_batch_must_divide_among_ranks() -> None:
    check_batches(Launch(processes=2), 4)
    with pytest.raises(
        UsageError, match="--batch-size 3 is the global batch, split evenly across 2 processes"
    ):
        check_batches(Launch(processes=2), 3)


def test_rank_failures_are_read_from_the_launcher_log() -> None:
    log = "step 3\n[WARN] Node with rank 1 was killed\n[WARN] Node with rank 0 exited with code -15\n"
    assert rank_failures(log) == ["process 1 was killed", "process 0 exited with code -15"]
    assert rank_failures("all fine") == []


def test_local_ranks_share_the_cores_unless_the_user_chose() -> None:
    assert rank_env({}, Launch(processes=2), 16)["OPENBLAS_NUM_THREADS"] == "8"
    assert rank_env({"OPENBLAS_NUM_THREADS": "3"}, Launch(processes=2), 16)["OPENBLAS_NUM_THREADS"] == "3"
    assert "OPENBLAS_NUM_THREADS" not in rank_env({}, Launch(), 16)
    assert "OMP_NUM_THREADS" not in rank_env({}, Launch(hosts=("10.0.0.2",)), 16)
