"""A suite file is something someone sent you (issue 26, S1/S2): its paths stay inside the suite's
own directory (tools_file) and inside the workspace (workspace keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.suite_load import load_suite

PROMPT = "prompts:\n  - {id: r, category: reasoning, prompt_text: '1+1?', expected_answer: '2'}\n"
TOOLS = "- {type: function, function: {name: lookup, parameters: {type: object, properties: {}}}}\n"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "x.yaml").write_text(TOOLS)
    (tmp_path / "suites" / "tools").mkdir(parents=True)
    (tmp_path / "suites" / "tools.yaml").write_text(TOOLS)
    (tmp_path / "suites" / "tools" / "more.yaml").write_text(TOOLS)
    (tmp_path / "suites" / "sneaky.yaml").symlink_to(tmp_path / "private" / "x.yaml")
    return tmp_path / "suites"


@pytest.mark.parametrize(
    "where", ["../private/x.yaml", "ABSOLUTE", "sneaky.yaml", "tools/../../private/x.yaml"]
)
def test_s1_a_tools_file_outside_the_suites_directory_is_refused(layout: Path, where: str) -> None:
    target = str(layout.parent / "private" / "x.yaml") if where == "ABSOLUTE" else where
    suite = layout / "suite.yaml"
    suite.write_text(f"tools_file: {target}\n{PROMPT}")
    with pytest.raises(UsageError) as refused:
        load_suite(suite)
    assert str(refused.value).startswith(f"{suite}:1: tools_file:"), refused.value


@pytest.mark.parametrize("where", ["tools.yaml", "tools/more.yaml", "./tools.yaml"])
def test_s1_control_a_tools_file_beside_the_suite_loads(layout: Path, where: str) -> None:
    suite = layout / "suite.yaml"
    suite.write_text(f"tools_file: {where}\n{PROMPT}")
    assert load_suite(suite).prompts[0].id == "r"


@pytest.mark.parametrize("key", ["../escape.txt", "/etc/cron.d/x", "a/../../b", "nul\\0byte", "..", "C:/x"])
def test_s2_workspace_keys_that_leave_the_workspace_are_refused(tmp_path: Path, key: str) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(f'workspace: {{"{key}": "x"}}\n{PROMPT}')
    with pytest.raises(UsageError) as refused:
        load_suite(suite)
    assert str(refused.value).startswith(f"{suite}:1: workspace:"), refused.value


def test_s2_control_nested_workspace_files_load(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(f'workspace: {{"src/app.py": "x", "./README.md": "y"}}\n{PROMPT}')
    assert set(load_suite(suite).workspace) == {"src/app.py", "./README.md"}
