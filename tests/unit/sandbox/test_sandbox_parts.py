"""The sandbox's pure parts: link-safe tree copies, the launcher's spec, the Seatbelt profile,
failing closed, and the harness marker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from punie.sandbox.harness import completion_marker, take_marker
from punie.sandbox.isolation import Isolation, IsolationUnavailable, choose
from punie.sandbox.limits import ExecRequest, SandboxLimits
from punie.sandbox.linux import build_spec, read_only_paths
from punie.sandbox.macos import seatbelt_profile
from punie.sandbox.tree_copy import DIR_FLAGS, copy_tree, write_files


def _open(path: Path) -> int:
    return os.open(path, DIR_FLAGS)


def test_copy_tree_copies_links_as_links_and_never_follows_them(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    dst.mkdir()
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.txt").write_text("b")
    (src / "link").symlink_to(outside)
    (src / "dirlink").symlink_to(tmp_path)
    os.mkfifo(src / "fifo")
    s, d = _open(src), _open(dst)
    try:
        copy_tree(s, d)
    finally:
        os.close(s)
        os.close(d)
    assert (dst / "a.txt").read_text() == "a" and (dst / "sub" / "b.txt").read_text() == "b"
    assert os.readlink(dst / "link") == str(outside) and (dst / "dirlink").is_symlink()
    assert not (dst / "fifo").exists()  # neither a file nor a dir nor a link: skipped


def test_write_files_refuses_paths_that_leave(tmp_path: Path) -> None:
    fd = _open(tmp_path)
    try:
        write_files(fd, {"pkg/mod.py": "x = 1\n"})
        assert (tmp_path / "pkg" / "mod.py").read_text() == "x = 1\n"
        with pytest.raises(ValueError, match="escapes"):
            write_files(fd, {"../evil.py": ""})
    finally:
        os.close(fd)


def test_spec_carries_limits_and_never_a_host_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    request = ExecRequest(("/bin/sh", "-c", "ls"), files={"a.py": ""}, nonce="n")
    spec = build_spec(request, SandboxLimits(wall_seconds=3, work_bytes=1 << 20), "/tmp/stage", 7, 1_234_567)
    assert spec["limits"]["wall"] == 3 and spec["limits"]["work_bytes"] == 1 << 20
    assert spec["uid"] == 1_234_567 and spec["result_fd"] == 7
    assert "sk-secret" not in str(spec) and set(spec["env"]) == {
        "PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED"
    }  # fmt: skip


def test_read_only_paths_exist_and_none_nests_in_another() -> None:
    paths = read_only_paths()
    assert "/usr" in paths and all(os.path.lexists(p) for p in paths)
    dirs = [p for p in paths if not os.path.islink(p)]
    assert not [(a, b) for a in dirs for b in dirs if a != b and b.startswith(a + "/")]
    assert not [p for p in paths if p in ("/", "/root", "/home", "/proc", "/etc", "/tmp")]


def test_seatbelt_profile_denies_by_default_and_writes_only_the_run_dir() -> None:
    profile = seatbelt_profile('/private/var/tmp/run "x"', ("/opt/python",))
    assert profile.splitlines()[:2] == ["(version 1)", "(deny default)"]
    assert '(allow file-write* (subpath "/private/var/tmp/run \\"x\\"") (literal "/dev/null"))' in profile
    assert "(deny network*)" in profile and '(subpath "/opt/python")' in profile
    assert "(allow network" not in profile


def test_no_isolation_fails_closed_in_one_line_unless_unsafe_is_asked() -> None:
    missing = Isolation("none", False, missing="no OS isolation for model-written code on plan9")
    with pytest.raises(IsolationUnavailable) as refused:
        choose(missing, allow_unsafe=False)
    message = str(refused.value)
    assert "\n" not in message and "plan9" in message and "--unsafe-exec" in message
    assert choose(missing, allow_unsafe=True).backend == "unsafe"
    found = Isolation("linux-namespaces", True, ("layer",))
    assert choose(found, allow_unsafe=True) is found  # isolation is used whenever it exists


def test_the_marker_must_carry_the_nonce_and_end_the_output() -> None:
    line = "\n" + completion_marker("abc") + "\n"
    assert take_marker("ok" + line, "abc") == ("ok", True)
    assert take_marker("ok" + line, "xyz") == ("ok" + line, False)
    assert take_marker("ok" + line + "more\n", "abc")[1] is False
    assert take_marker("ok", None) == ("ok", None)


def test_limits_must_be_positive() -> None:
    from punie.errors import UsageError

    with pytest.raises(UsageError, match="wall_seconds"):
        SandboxLimits(wall_seconds=0)
