"""Copy-back from the sandbox: counted by apparent size, iterative, all or nothing (issue 26, D2/D3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from punie.sandbox.memory_cap import budget, delegated_cgroup, make
from punie.sandbox.tree_copy import DIR_FLAGS, MAX_DEPTH, TreeRefused, copy_back, copy_tree, remove_tree


def _host(tmp_path: Path) -> Path:
    host = tmp_path / "host"
    host.mkdir()
    (host / "keep.txt").write_text("before")
    return host


def _copy_back(src: Path, host: Path, max_bytes: int = 1 << 20) -> str | None:
    fd = os.open(src, DIR_FLAGS)
    try:
        return copy_back(fd, str(host), max_bytes)
    finally:
        os.close(fd)


def test_copy_back_replaces_the_host_tree_whole(tmp_path: Path) -> None:
    host, src = _host(tmp_path), tmp_path / "box"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "new.txt").write_text("after")
    (src / "link").symlink_to("/etc/passwd")
    assert _copy_back(src, host) is None
    assert sorted(p.name for p in host.iterdir()) == ["link", "sub"]
    assert (host / "sub" / "new.txt").read_text() == "after" and os.readlink(host / "link") == "/etc/passwd"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box", "host"]  # no staging left


def test_sparse_files_count_by_apparent_size_and_nothing_is_written(tmp_path: Path) -> None:
    host, src = _host(tmp_path), tmp_path / "box"
    src.mkdir()
    for i in range(4):
        with open(src / f"sparse{i}", "wb") as handle:
            handle.truncate(1 << 20)  # 1 MiB each, no block used
    reason = _copy_back(src, host, max_bytes=2 << 20)
    assert reason is not None and "not copied back" in reason and "unchanged" in reason
    assert sorted(p.name for p in host.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box", "host"]
    # the honest case: under the cap, copied
    assert _copy_back(src, host, max_bytes=4 << 20) is None and (host / "sparse3").stat().st_size == 1 << 20


def test_a_deep_chain_is_refused_without_recursion_and_the_host_kept(tmp_path: Path) -> None:
    host, src = _host(tmp_path), tmp_path / "box"
    src.mkdir()
    fd = os.open(src, DIR_FLAGS)
    for _ in range(1100):  # deeper than Python's recursion limit
        os.mkdir("d", dir_fd=fd)
        fd, old = os.open("d", DIR_FLAGS, dir_fd=fd), fd
        os.close(old)
    os.close(fd)
    reason = _copy_back(src, host)
    assert reason is not None and f"deeper than {MAX_DEPTH}" in reason
    assert (host / "keep.txt").read_text() == "before" and sorted(p.name for p in host.iterdir()) == [
        "keep.txt"
    ]
    remove_tree(str(src))
    assert not src.exists()


def test_copy_tree_stops_before_the_byte_that_crosses_the_cap(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "a").write_bytes(b"x" * 100)
    (src / "b").write_bytes(b"x" * 100)
    s, d = os.open(src, DIR_FLAGS), os.open(dst, DIR_FLAGS)
    try:
        with pytest.raises(TreeRefused):
            copy_tree(s, d, max_bytes=150)
    finally:
        os.close(s)
        os.close(d)
    assert sum(p.stat().st_size for p in dst.iterdir()) <= 150


def test_remove_tree_removes_links_not_their_targets(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("x")
    box = tmp_path / "box"
    (box / "sub").mkdir(parents=True)
    (box / "link").symlink_to(keep)
    (box / "sub" / "f").write_text("y")
    (box / "sub").chmod(0o000)
    remove_tree(str(box))
    assert not box.exists() and (keep / "precious.txt").exists()


def test_the_memory_budget_bounds_the_whole_run() -> None:
    assert budget(4 << 30, 1 << 30, 32) == 128 << 20  # 32 x 128 MiB = 4 GiB
    assert budget(4 << 30, 64 << 20, 32) == 64 << 20  # a smaller per-process limit stays


def test_the_delegated_cgroup_is_read_from_mountinfo() -> None:
    mountinfo = (
        "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
        "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    )
    assert delegated_cgroup(mountinfo, "0::/user.slice/app.scope\n", lambda _: True) == (
        "/sys/fs/cgroup/user.slice/app.scope"
    )
    assert delegated_cgroup(mountinfo, "4:memory:/x\n", lambda _: True) is None  # v1 only
    assert delegated_cgroup("31 25 0:27 / /x rw - cgroup cgroup rw\n", "0::/\n", lambda _: True) is None


def test_a_delegated_cgroup_gets_the_runs_total_and_an_undelegated_one_the_budget(tmp_path: Path) -> None:
    (tmp_path / "cgroup.subtree_control").write_text("cpu memory pids\n")
    cap = make(1 << 30, 1 << 30, 16, parent=str(tmp_path))
    assert cap.cgroup is not None and cap.per_process == 1 << 30 and "cgroup v2" in cap.layer
    assert Path(cap.cgroup, "memory.max").read_text() == str(1 << 30)
    assert Path(cap.cgroup, "pids.max").read_text() == "16"
    (tmp_path / "cgroup.subtree_control").write_text("cpu\n")  # memory not delegated
    fallback = make(1 << 30, 1 << 30, 16, parent=str(tmp_path))
    assert fallback.cgroup is None and fallback.per_process == 64 << 20 and "budget" in fallback.layer
