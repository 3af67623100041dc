"""Every class of escape the sandbox issue lists, tried through both entry points: 0 may get out."""

from __future__ import annotations

import os
import secrets
import socket
import stat
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from punie.eval.agent_loop import AgentTools
from punie.eval.tool_parse import Call
from punie.sandbox import SandboxLimits
from punie.tools.workspace import Workspace
from tests.adversarial.attacks import FAST, Attack, shares_host_pids


def _snapshot(root: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """Every entry under root with its mode, owner, group and (file) content, links unfollowed."""
    seen = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        body = path.read_bytes() if stat.S_ISREG(info.st_mode) else b""
        seen[str(path)] = (info.st_mode, info.st_uid, info.st_gid, body)
    return seen


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A world-writable host directory holding files an attacker would love to touch."""
    root = tmp_path / "victim"
    root.mkdir()
    root.chmod(0o777)
    (root / "data.txt").write_text("original")
    (root / "data.txt").chmod(0o666)
    (root / "secret.txt").write_text("root-only")
    (root / "secret.txt").chmod(0o600)
    (root / "private").mkdir(mode=0o700)
    return root


def test_no_write_delete_rename_link_chmod_or_chown_outside(attack: Attack, victim: Path) -> None:
    before = _snapshot(victim)
    token = secrets.token_hex(6)
    escapes = [f"/tmp/punie-escape-{token}", f"/usr/punie-escape-{token}", f"/var/tmp/punie-escape-{token}",
               f"/dev/shm/punie-escape-{token}", f"/root/punie-escape-{token}", f"/punie-escape-{token}"]  # fmt: skip
    outcome = attack(f"""
import os, shutil
V = {str(victim)!r}
got = []
def attempt(name, fn):
    try:
        fn(); got.append(name)
    except BaseException as exc:
        pass
for target in {escapes!r} + [V + "/new.txt"]:
    attempt("open " + target, lambda: open(target, "w").write("pwned"))
attempt("dir_fd", lambda: os.open("new2.txt", os.O_CREAT | os.O_WRONLY, dir_fd=os.open(V, os.O_RDONLY)))
attempt("dir_fd /", lambda: os.open("punie-escape-{token}", os.O_CREAT | os.O_WRONLY, dir_fd=os.open("/", os.O_RDONLY)))
attempt("chdir", lambda: (os.chdir(V), open("new3.txt", "w").write("x")))
os.chdir(os.environ.get("HOME", "/"))
attempt("chdir /usr", lambda: (os.chdir("/usr"), open("punie-escape-{token}", "w").write("x")))
attempt("symlink write", lambda: (os.symlink(V + "/data.txt", "ln"), open("ln", "w").write("pwned")))
attempt("symlink dir", lambda: (os.symlink(V, "dl"), open("dl/new4.txt", "w").write("x")))
attempt("hardlink", lambda: os.link(V + "/secret.txt", "hard"))
attempt("rename in", lambda: os.rename(V + "/data.txt", "stolen"))
attempt("rename out", lambda: (open("mine", "w").write("x"), os.rename("mine", V + "/new5.txt")))
attempt("unlink", lambda: os.remove(V + "/data.txt"))
attempt("unlink dir_fd", lambda: os.remove("data.txt", dir_fd=os.open(V, os.O_RDONLY)))
attempt("chmod", lambda: os.chmod(V + "/secret.txt", 0o666))
attempt("chown", lambda: os.chown(V + "/secret.txt", os.getuid(), os.getgid()))
attempt("truncate", lambda: os.truncate(V + "/data.txt", 0))
attempt("utime", lambda: os.utime(V + "/data.txt", (0, 0)))
attempt("mkdir", lambda: os.mkdir(V + "/d"))
attempt("rmtree", lambda: shutil.rmtree(V))
attempt("hostname", lambda: open("/proc/sys/kernel/hostname", "w").write("pwned"))
attempt("sysrq", lambda: open("/proc/sysrq-trigger", "w").write("s"))
attempt("usr write", lambda: open("/usr/lib/punie-escape-{token}", "w").write("x"))
attempt("dev", lambda: os.mknod("/dev/punie-{token}"))
raise RuntimeError(f"RESULT {{got}}")
""")
    assert _snapshot(victim) == before, outcome.text
    for path in escapes:
        assert not os.path.lexists(path), outcome.text
    assert not os.path.lexists(f"/usr/lib/punie-escape-{token}")
    assert "RESULT [" in outcome.text
    # What the attack may have reached is only its own workspace/tmp (the names in RESULT are fine
    # there), never the host: checked above on the host itself.
    assert socket.gethostname() != "pwned"


def test_reads_are_limited_and_the_environment_is_scrubbed(
    attack: Attack, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tok" + secrets.token_hex(8)
    (victim / "secret.txt").write_text(token)
    monkeypatch.setenv("PUNIE_API_KEY", token)  # the host's environment, as /proc/<ppid>/environ would show
    sleeper = subprocess.Popen(["sleep", "30"], env={**os.environ})  # a host process holding the key
    try:
        outcome = attack(f"""
import os, glob
found = []
def grab(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read(1 << 20)
        if {token!r}.encode() in data:
            found.append(path)
    except BaseException:
        pass
for path in [{str(victim / "secret.txt")!r}, "/etc/shadow", "/root/.bash_history", "/proc/1/environ",
             "/proc/self/environ", "/proc/{os.getpid()}/environ", "/proc/{sleeper.pid}/environ",
             "/proc/{os.getppid()}/environ"]:
    grab(path)
for path in glob.glob("/proc/*/environ"):
    grab(path)
for name, value in os.environ.items():
    if {token!r} in value or name.startswith("PUNIE"):
        found.append("env " + name)
raise RuntimeError(f"RESULT {{found}} {{sorted(os.environ)}}")
""")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert token not in outcome.text and "PUNIE_API_KEY" not in outcome.text, outcome.text
    assert "RESULT []" in outcome.text, outcome.text


def test_no_network_loopback_included(attack: Attack, tmp_path: Path) -> None:
    abstract = f"\0punie-adversarial-{secrets.token_hex(6)}"
    with (
        socket.socket() as tcp,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        socket.socket(socket.AF_UNIX) as unix_abstract,
        socket.socket(socket.AF_UNIX) as unix_path,
    ):
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp.bind(("127.0.0.1", 0))
        unix_abstract.bind(abstract)
        unix_abstract.listen()
        sock_path = tmp_path / "host.sock"
        unix_path.bind(str(sock_path))
        unix_path.listen()
        sock_path.chmod(0o777)
        for server in (tcp, udp, unix_abstract, unix_path):
            server.settimeout(0.3)
        outcome = attack(f"""
import socket, ctypes, os
got = []
def attempt(name, fn):
    try:
        fn(); got.append(name)
    except BaseException:
        pass
attempt("tcp", lambda: socket.create_connection(("127.0.0.1", {tcp.getsockname()[1]}), timeout=1))
attempt("tcp6", lambda: socket.create_connection(("::1", {tcp.getsockname()[1]}), timeout=1))
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", {udp.getsockname()[1]})))
attempt("abstract", lambda: socket.socket(socket.AF_UNIX).connect({abstract!r}))
attempt("unix path", lambda: socket.socket(socket.AF_UNIX).connect({str(sock_path)!r}))
attempt("public", lambda: socket.create_connection(("127.0.0.2", 9), timeout=1))
def setns():
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/proc/1/ns/net", os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns")
    socket.create_connection(("127.0.0.1", {tcp.getsockname()[1]}), timeout=1)
attempt("setns", setns)
raise RuntimeError(f"RESULT {{got}}")
""")
        for server in (tcp, unix_abstract, unix_path):
            with pytest.raises(TimeoutError):
                server.accept()
        with pytest.raises(TimeoutError):
            udp.recvfrom(16)
    assert "RESULT [" in outcome.text and "'tcp'" not in outcome.text and "'udp'" not in outcome.text, (
        outcome.text
    )


def test_no_signal_reaches_a_process_outside(attack: Attack) -> None:
    victim = subprocess.Popen(["sleep", "30"])
    try:
        outcome = attack(f"""
import os, signal
got = []
for pid in [1, {victim.pid}, {os.getpid()}, {os.getppid()}]:
    if pid in (os.getpid(), os.getppid()):
        continue
    for how in ("kill", "killpg", "pidfd"):
        try:
            if how == "kill":
                os.kill(pid, signal.SIGKILL)
            elif how == "killpg":
                os.killpg(pid, signal.SIGKILL)
            else:
                signal.pidfd_send_signal(os.pidfd_open(pid), signal.SIGKILL)
            got.append((how, pid))
        except OSError:
            pass
for pid in range(2, 5000):
    if pid in (os.getpid(), os.getppid()):
        continue
    try:
        os.kill(pid, signal.SIGKILL); got.append(pid)
    except OSError:
        pass
raise RuntimeError(f"RESULT {{got}}")
""")
        time.sleep(0.2)
        assert victim.poll() is None, outcome.text  # still alive
    finally:
        victim.kill()
        victim.wait()
    # killpg(1) is kill(-1): without a pid namespace it also reaches the attack's own parent and
    # peers, the sandboxed command, so the Landlock backend's run can end before RESULT is printed:
    # killed outright, or its harness writing into a pipe whose reader was killed (seen in CI).
    ended = ("exit code None", "Broken pipe")
    assert not outcome.passed
    assert "RESULT" in outcome.text or (shares_host_pids() and any(e in outcome.text + " " for e in ended))


def test_kill_everything_reaches_nothing_outside(attack: Attack) -> None:
    victim = subprocess.Popen(["sleep", "30"])
    try:
        attack("import os, signal\nos.kill(-1, signal.SIGKILL)\n")
        time.sleep(0.2)
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


def _processes_with(token: str) -> list[int]:
    found = []
    for proc in psutil.process_iter(["cmdline", "name"]):
        try:
            if token in " ".join(proc.info["cmdline"] or []) or proc.info["name"] == token[:15]:
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def test_no_process_outlives_the_call(attack: Attack) -> None:
    token = f"punie-orphan-{secrets.token_hex(6)}"
    outcome = attack(f"""
import os, subprocess, sys
subprocess.Popen(["sh", "-c", "sleep 300; : {token}"], start_new_session=True)
subprocess.Popen(["sh", "-c", "trap '' HUP TERM; sleep 300; : {token}"], start_new_session=True,
                 stdout=sys.stdout, stderr=sys.stderr)  # holds the output pipes too
if os.fork() == 0:  # the classic double-fork daemon
    os.setsid()
    if os.fork() == 0:
        os.execvp("sh", ["sh", "-c", "sleep 300; : {token}"])
    os._exit(0)
print("daemons started")
""")
    time.sleep(0.3)
    assert _processes_with(token) == [], outcome.text
    assert outcome.seconds < FAST.wall_seconds, "a pipe-holding orphan kept the call waiting"


def test_infinite_loop_hits_the_wall_limit(attack: Attack) -> None:
    limits = SandboxLimits(wall_seconds=2, cpu_seconds=30)
    outcome = attack("while True:\n    pass\n", limits)
    assert not outcome.passed and outcome.seconds < limits.wall_seconds + 3


def test_sleeping_forever_hits_the_wall_limit(attack: Attack) -> None:
    outcome = attack("import time\ntime.sleep(3600)\n", SandboxLimits(wall_seconds=2))
    assert not outcome.passed and outcome.seconds < 5


def test_fork_bomb_is_contained(attack: Attack) -> None:
    token = f"punie-bomb-{secrets.token_hex(6)}"
    outcome = attack(f"""
import ctypes, os, sys
ctypes.CDLL(None).prctl(15, {token[:15]!r}.encode(), 0, 0, 0)  # PR_SET_NAME: findable after
while True:
    try:
        os.fork()
    except OSError:
        pass
""", SandboxLimits(wall_seconds=3))  # fmt: skip
    assert not outcome.passed and outcome.seconds < 8
    assert subprocess.run(["true"]).returncode == 0  # the host still starts processes
    time.sleep(0.3)
    assert _processes_with(token) == []


def test_shell_fork_bomb_is_contained(tmp_path: Path) -> None:
    tools = AgentTools(Workspace(tmp_path), SandboxLimits(wall_seconds=3))
    started = time.monotonic()
    text = tools.execute(Call("run_command", {"command": ":(){ :|:& };:"}))
    assert time.monotonic() - started < 8, text
    assert subprocess.run(["true"]).returncode == 0


def test_ten_gigabytes_cannot_be_allocated(attack: Attack) -> None:
    outcome = attack("x = bytearray(10 * 1024**3)\nraise RuntimeError('RESULT allocated')\n")
    assert not outcome.passed and "MemoryError" in outcome.text, outcome.text


def test_disk_fill_is_capped(attack: Attack) -> None:
    outcome = attack("""
import os
written = 0
try:
    for i in range(400):
        with open(f"f{i}", "wb") as handle:
            handle.write(b"x" * (1 << 20))
        written += 1 << 20
except OSError as exc:
    raise RuntimeError(f"RESULT stopped at {written >> 20} MiB: {exc}")
raise RuntimeError(f"RESULT wrote {written >> 20} MiB")
""")
    capped = ("No space left", "File too large", "[disk limit reached: killed]")
    assert any(sign in outcome.text for sign in capped), outcome.text
    assert "wrote 400 MiB" not in outcome.text


def test_tmp_fill_is_capped_too(attack: Attack) -> None:
    outcome = attack("""
import os, tempfile
try:
    with open(os.path.join(tempfile.gettempdir(), "fill"), "wb") as handle:
        for _ in range(200):
            handle.write(b"x" * (1 << 20))
except OSError as exc:
    raise RuntimeError(f"RESULT {exc}")
raise RuntimeError("RESULT wrote it all")
""")
    assert "wrote it all" not in outcome.text, outcome.text


def test_output_flood_is_read_through_a_capped_reader(attack: Attack) -> None:
    before = psutil.Process().memory_info().rss
    outcome = attack(
        "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(150):\n    sys.stdout.write(chunk)\n"
    )
    grown = psutil.Process().memory_info().rss - before
    assert not outcome.passed or len(outcome.text) < 100_000
    assert grown < 100 << 20, f"the host grew by {grown >> 20} MiB reading the output"


def test_namespace_and_mount_tricks_change_nothing(attack: Attack) -> None:
    token = secrets.token_hex(6)
    outcome = attack(f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
got = []
if libc.unshare(0x10000000 | 0x00020000) == 0:  # a user + mount namespace of its own
    got.append("unshare")
    if libc.mount(None, b"/usr", None, 32 | 4096, None) == 0:  # remount /usr read-write
        got.append("remount")
for path in ["/usr/punie-{token}", "/proc/sys/kernel/punie"]:
    try:
        open(path, "w").write("x"); got.append(path)
    except OSError:
        pass
if libc.mount(b"none", b"/", b"tmpfs", 0, None) == 0:
    got.append("mount /")
raise RuntimeError(f"RESULT {{got}}")
""")
    assert not os.path.exists(f"/usr/punie-{token}"), outcome.text
    assert "/usr/punie" not in outcome.text.split("RESULT")[-1], outcome.text
