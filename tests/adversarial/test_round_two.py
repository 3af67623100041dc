"""Sandbox round 2 (issue 26): each attack as a hostile model writes it, then the honest control.

E1 the host's session keyring; M the memory of the whole run; D2 sparse files at copy-back; D3 a
deep directory chain at copy-back; D1 tool calls that used to raise; F1 builtins shadowed for the
hidden tests. (F2 and the D1 runs through `run_evaluation` are in test_hostile_runs.py; S1/S2,
suite files, in test_suite_paths.py.)
"""

from __future__ import annotations

import ctypes
import os
import platform
import secrets
from pathlib import Path

import pytest

from punie.eval.agent_loop import AgentTools
from punie.eval.response import RecordedResponse, Turn
from punie.eval.score import score_prompt
from punie.eval.suite import EvalPrompt
from punie.eval.suite_load import load_suite
from punie.eval.tool_parse import Call
from punie.sandbox import SandboxLimits
from punie.tools.workspace import Workspace
from tests.adversarial.attacks import FAST, Attack

KEY_SYSCALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}  # add_key, keyctl
KEY_SPEC_SESSION_KEYRING = -3
KEYCTL_READ, KEYCTL_SEARCH = 11, 10


def _host_key(description: str, payload: bytes) -> int | None:
    """Add a key to this (host) process's session keyring; None where keys are unavailable."""
    numbers = KEY_SYSCALLS.get(platform.machine())
    if numbers is None:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    serial = libc.syscall(
        numbers[0], b"user", description.encode(), payload, len(payload), KEY_SPEC_SESSION_KEYRING
    )
    return serial if serial > 0 else None


def _host_finds(description: str) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    keyctl = KEY_SYSCALLS[platform.machine()][1]
    return libc.syscall(keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, b"user", description.encode(), 0) > 0


def test_e1_the_host_session_keyring_is_neither_read_nor_written(attack: Attack) -> None:
    token = secrets.token_hex(6)
    secret = f"keyring-secret-{token}".encode()
    serial = _host_key(f"punie-host-{token}", secret)
    if serial is None:
        pytest.skip("this kernel or machine gives the test process no session keyring (add_key failed)")
    add_key, keyctl = KEY_SYSCALLS[platform.machine()]
    planted = f"punie-planted-{token}"
    outcome = attack(f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
got = []
buf = ctypes.create_string_buffer(4096)
for target in ({serial}, -3, -4, -5):  # the host's key, @s, @u, @us
    n = libc.syscall({keyctl}, 11, target, buf, 4096)  # KEYCTL_READ
    got.append(("read", target, n, buf.raw[:max(n, 0)]))
    n = libc.syscall({keyctl}, 6, target, buf, 4096)  # KEYCTL_DESCRIBE
    got.append(("describe", target, n, buf.raw[:max(n, 0)]))
n = libc.syscall({keyctl}, 10, -3, b"user", b"punie-host-{token}", 0)  # KEYCTL_SEARCH
got.append(("search", n))
n = libc.syscall({add_key}, b"user", b"{planted}", b"x", 1, -3)
got.append(("add", n, ctypes.get_errno()))
raise RuntimeError(f"RESULT {{got}}")
""")
    assert "RESULT" in outcome.text, outcome.text
    assert (
        secret.decode() not in outcome.text and f"punie-host-{token}" not in outcome.text.split("RESULT")[1]
    )
    assert not _host_finds(planted)  # nothing added where the host would see it
    assert _host_finds(f"punie-host-{token}")  # control: the host still sees its own key


def test_m_many_processes_cannot_take_more_than_the_run_total(attack: Attack) -> None:
    limits = SandboxLimits(wall_seconds=8, cpu_seconds=6, memory_total_bytes=1 << 30, processes=16)
    outcome = attack(
        """
import os
got = []
for _ in range(12):
    r, w = os.pipe()
    if os.fork() == 0:
        os.close(r)
        size = 0
        try:
            blocks = []
            for _ in range(40):
                blocks.append(b"x" * (16 << 20))  # touched: really used
                size += 16
        except MemoryError:
            pass
        os.write(w, str(size).encode())
        os._exit(0)
    os.close(w)
    got.append(r)
sizes = [int(os.read(r, 32) or b"0") for r in got]
raise RuntimeError(f"RESULT {sum(sizes)} MiB in {len(sizes)} processes")
""",
        limits,
    )
    assert "RESULT" in outcome.text, outcome.text
    total = int(outcome.text.split("RESULT ")[1].split(" MiB")[0])
    assert 0 < total <= 1024, outcome.text  # the whole run: 1 GiB, not 12 x 640 MiB


def test_d2_sparse_files_cannot_grow_the_host_workspace_past_the_cap(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("kept")
    tools = AgentTools(Workspace(tmp_path), SandboxLimits(wall_seconds=8))
    text = tools.execute(Call("run_command", {"command": (
        "python3 -c \"\nfor i in range(8):\n    open(f's{i}', 'wb').truncate(12 << 20)\n\""
    )}))  # fmt: skip
    assert text is not None and "not copied back" in text and "unchanged" in text, text
    on_disk = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert on_disk <= SandboxLimits().work_bytes and sorted(p.name for p in tmp_path.iterdir()) == [
        "keep.txt"
    ]
    # control: an honest sparse file under the cap comes back
    text = tools.execute(Call("run_command", {"command": "python3 -c \"open('s', 'wb').truncate(1 << 20)\""}))
    assert text is not None and text.startswith("exit code 0"), text
    assert (tmp_path / "s").stat().st_size == 1 << 20


def test_d3_a_deep_chain_leaves_the_host_workspace_exactly_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("kept")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also.txt").write_text("also")
    tools = AgentTools(Workspace(tmp_path), SandboxLimits(wall_seconds=8))
    text = tools.execute(
        Call("run_command", {"command": "mkdir -p $(python3 -c \"print('/'.join(['d'] * 1100))\")"})
    )
    assert text is not None and "not copied back" in text and "deeper than" in text, text
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "keep.txt",
        "sub",
        "sub/also.txt",
    ]
    # control: a shallow tree comes back
    text = tools.execute(Call("run_command", {"command": "mkdir -p a/b/c && echo hi > a/b/c/f"}))
    assert (
        text is not None and text.startswith("exit code 0") and (tmp_path / "a/b/c/f").read_text() == "hi\n"
    )


@pytest.mark.parametrize(
    "calls",
    [
        pytest.param(
            [
                Call("run_command", {"command": "ln -s loop loop"}),
                Call("read_file", {"path": "loop"}),
                Call("write_file", {"path": "loop", "content": "x"}),
            ],
            id="symlink loop",
        ),
        pytest.param(
            [Call("write_file", {"path": "a" * 300, "content": "x"}), Call("read_file", {"path": "a" * 300})],
            id="300-character name",
        ),
        pytest.param(
            [
                Call("write_file", {"path": "f.txt", "content": "x"}),
                Call("write_file", {"path": "f.txt/child", "content": "y"}),
            ],
            id="file as a directory",
        ),
        pytest.param([Call("write_file", {"path": "s.txt", "content": "\ud800"})], id="lone surrogate"),
        pytest.param(
            [Call("write_file", {"path": "a\0b", "content": "x"}), Call("read_file", {"path": "a\0b"})],
            id="NUL byte",
        ),
    ],
)
def test_d1_a_tool_call_never_raises(tmp_path: Path, calls: list[Call]) -> None:
    tools = AgentTools(Workspace(tmp_path), FAST)
    answers = [tools.execute(call) for call in calls]
    assert all(isinstance(a, str) for a in answers), answers
    assert answers[-1] is not None and answers[-1].startswith("error:"), answers
    # control: the same tools still work afterwards
    assert (
        tools.execute(Call("write_file", {"path": "ok.txt", "content": "fine"}))
        == "wrote 4 characters to ok.txt"
    )
    assert tools.execute(Call("read_file", {"path": "ok.txt"})) == "fine"


def _celsius() -> EvalPrompt:
    return next(p for p in load_suite().prompts if p.id == "code-celsius")


def _answer(code: str) -> RecordedResponse:
    return RecordedResponse((Turn(f"```python\n{code}\n```"),))


SHADOWS = "def abs(x):\n    return 0\n"


def test_f1_a_shadowed_builtin_cannot_forge_a_pass() -> None:
    wrong = score_prompt(_celsius(), _answer("def to_fahrenheit(c):\n    return c\n" + SHADOWS), FAST)
    assert not wrong.passed and wrong.failure == "tests_failed", wrong.reason
    right = score_prompt(
        _celsius(), _answer("def to_fahrenheit(c):\n    return c * 9 / 5 + 32\n" + SHADOWS), FAST
    )
    assert right.passed, right.reason  # control: the correct answer still passes with its own abs


FORGERS = """
def len(x):
    return 3
def sorted(x):
    return [1, 2]
def set(x):
    return {1}
def round(x, n=0):
    return 1.23
def AssertionError(*a):
    return None
"""
TESTS = "assert len(items()) == 3\nassert sorted(pair()) == [1, 2]\nassert set(ones()) == {1}\nassert round(num(), 2) == 1.23\n"


def test_f1_len_sorted_set_and_round_keep_their_meaning() -> None:
    prompt = EvalPrompt(id="f1", category="code_generation", prompt_text="write them", tests=TESTS)
    wrong = "def items():\n    return []\ndef pair():\n    return [9]\ndef ones():\n    return [2]\ndef num():\n    return 0\n"
    assert not score_prompt(prompt, _answer(wrong + FORGERS), FAST).passed
    right = "def items():\n    return [1, 2, 3]\ndef pair():\n    return [2, 1]\ndef ones():\n    return [1, 1]\ndef num():\n    return 1.234\n"
    result = score_prompt(prompt, _answer(right + FORGERS), FAST)
    assert result.passed, result.reason


def test_the_keyring_and_filter_are_listed_as_layers() -> None:
    from punie.sandbox import detect

    layers = " ".join(detect().layers)
    assert "fresh session keyring" in layers and "seccomp" in layers
    assert "cgroup v2" in layers or "memory budget" in layers
    assert os.environ.get("PUNIE_EXPECT_BACKEND", detect().backend) == detect().backend


def test_d1_a_code_answer_with_a_lone_surrogate_is_a_scored_failure() -> None:
    result = score_prompt(_celsius(), _answer("def to_fahrenheit(c):\n    return c  # \ud800\n"), FAST)
    assert not result.passed and result.failure == "tests_failed", result


def test_a_fast_writer_gets_little_past_the_workspace_cap(tmp_path: Path) -> None:
    """Namespaces: the tmpfs quota stops it at the cap. Landlock backend: the watchdog (every 1 ms
    once half full) kills it a few MiB past (65 to 69 MiB of 64 measured under load; 160 MiB when
    it looked every 50 ms). Either way the host workspace gets at most the cap back."""
    (tmp_path / "keep.txt").write_text("kept")
    tools = AgentTools(Workspace(tmp_path), SandboxLimits(wall_seconds=10))
    text = tools.execute(Call("run_command", {"command": (
        "python3 -c \"\nfor i in range(400):\n    open(f'f{i}', 'wb').write(b'x' * (1 << 20))\n    print(i + 1, flush=True)\n\""
    )}))  # fmt: skip
    assert text is not None
    written = [int(line) for line in text.splitlines() if line.strip().isdigit()]
    assert written and max(written) <= 96, text[-500:]  # MiB; the cap is 64
    assert sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) <= SandboxLimits().work_bytes
    assert (tmp_path / "keep.txt").read_text() == "kept"
