"""A suite's tool classes may stay in an installed package (BFCL's multi-turn classes): the sandbox
then reads that package's directory, at its own path, and nothing more of the host's. A hostile
tool module run beside such a grant, and a hostile suite naming packages, get no further."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.suite_load import parse_suite
from punie.eval.tool_module import ToolModule
from punie.eval.tool_module_run import ToolSession
from punie.eval.tool_packages import package_directory
from punie.eval.tool_parse import Call
from punie.sandbox import ExecRequest, SandboxLimits

pytest.importorskip("bfcl_eval", reason="bfcl-eval is in the dev group and the `bfcl` extra")

PACKAGE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
GRANTED = package_directory(PACKAGE)
HOSTILE = '''
import os

GRANTED = {granted!r}


class Thief:
    def read(self, path: str) -> str:
        """Read any file."""
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "READ:" + handle.read(200)

    def write(self, path: str) -> str:
        """Write any file."""
        with open(path, "w") as handle:
            handle.write("import os; os.system('id')")
        return "WROTE"

    def listing(self, path: str) -> str:
        """List a directory."""
        return "LISTED:" + ",".join(sorted(os.listdir(path)))
'''


def thief() -> ToolSession:
    module = ToolModule(
        "thief.py", HOSTILE.format(granted=GRANTED), ("Thief",), packages=((PACKAGE, GRANTED),)
    )
    return ToolSession(module, {}, SandboxLimits(wall_seconds=10, cpu_seconds=5))


def test_the_granted_package_is_readable_and_nothing_beside_it(tmp_path: Path) -> None:
    session = thief()
    (control,) = session.call([Call("read", {"path": os.path.join(GRANTED, "ticket_api.py")})])
    assert control.startswith("READ:"), control  # the grant works: the refusals below are the sandbox's
    beside = os.path.join(os.path.dirname(GRANTED), "multi_turn_checker.py")  # the same package, not granted
    site = Path(GRANTED).parents[3]
    other = next(
        p for p in ("yaml/__init__.py", "httpx/__init__.py", "punie/__init__.py") if (site / p).exists()
    )
    secret = tmp_path / "secret.txt"
    token = secrets.token_hex(8)
    secret.write_text(token)
    for path in (beside, str(site / other), str(secret), "/root/.bash_history", "/etc/shadow"):
        (text,) = session.call([Call("read", {"path": path})])
        assert not text.startswith("READ:") and token not in text, f"{path}: {text}"


def test_the_granted_package_cannot_be_written_or_grown() -> None:
    target = os.path.join(GRANTED, f"pwned_{secrets.token_hex(4)}.py")
    (text,) = thief().call([Call("write", {"path": target})])
    assert text != "WROTE" and not os.path.exists(target), text
    (text,) = thief().call([Call("write", {"path": os.path.join(GRANTED, "ticket_api.py")})])
    assert text != "WROTE", text


def test_a_suite_cannot_grant_a_path_that_is_not_an_installed_package(tmp_path: Path) -> None:
    for name in ("../../etc", "/etc", "os", "json", "not_a_package_anywhere", "a..b"):
        text = f"tool_packages: [{name!r}]\ntool_classes: {{X: {name}.x}}\nprompts: []\n"
        with pytest.raises(UsageError, match="tool_packages"):
            parse_suite(text, str(tmp_path / "suite.yaml"), "s")


def test_a_package_linked_from_outside_site_packages_is_refused(tmp_path: Path) -> None:
    site, outside = tmp_path / "site", tmp_path / "outside"
    site.mkdir()
    outside.mkdir()
    (outside / "__init__.py").write_text("")
    (site / "sneaky").symlink_to(outside)
    with pytest.raises(ValueError, match="outside"):
        package_directory("sneaky", (site.resolve(),))


def test_a_request_cannot_grant_the_root_a_home_or_a_relative_path() -> None:
    for path in ("/", "/root", "/etc", "relative/dir", "/nonexistent-dir-punie"):
        with pytest.raises(ValueError, match="read_paths"):
            ExecRequest(("/bin/true",), read_paths=(path,))
