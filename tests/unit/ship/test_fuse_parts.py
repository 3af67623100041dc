"""The pure parts of `punie fuse`: the plan and its mlx-lm commands, the registry, the GGUF
metadata mlx-lm leaves out, the Modelfile, and the greedy-equivalence comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.errors import UsageError
from punie.eval.report import EvalReport
from punie.eval.score import EvalResult
from punie.runtime.models import resolve_model
from punie.runtime.registry import RegisteredModel, read_registry, register, registered_dir
from punie.ship.fuse import same_answers
from punie.ship.gguf_meta import CONTROL, NORMAL, bpe_metadata, modelfile, pre_tokenizer_name
from punie.ship.plan import FusePlan, default_name, fuse_command, quantize_command, read_adapter
from tests.unit.runtime.test_models import TINY_LLAMA


def adapter(tmp_path: Path, run: dict | None = None, config: dict | None = None) -> Path:
    directory = tmp_path / "runs" / "tools" / "adapter"
    directory.mkdir(parents=True)
    (directory / "adapters.safetensors").write_bytes(b"")
    (directory / "adapter_config.json").write_text(json.dumps(config or {"model": "/cache/f32"}))
    if run is not None:
        (directory / "run.json").write_text(json.dumps(run))
    return directory


def test_the_base_model_is_the_one_the_run_recorded_as_the_user_named_it(tmp_path: Path) -> None:
    source = read_adapter(adapter(tmp_path, run={"config": {"model": "smollm2-135m"}}))
    assert (source.base_model, source.run_name) == ("smollm2-135m", "tools")
    assert read_adapter(source.adapter_dir, "other").base_model == "other"


def test_without_run_json_the_adapter_config_names_the_base(tmp_path: Path) -> None:
    assert read_adapter(adapter(tmp_path)).base_model == "/cache/f32"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing", "no such adapter directory"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "not an adapter"),
    ],
)
def test_what_is_not_an_adapter_is_one_line(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        read_adapter(make(tmp_path))


def test_a_broken_run_json_names_its_line(tmp_path: Path) -> None:
    directory = adapter(tmp_path)
    (directory / "run.json").write_text('{"config":\n  {"model": }}')
    with pytest.raises(UsageError, match=r"run.json:2: not valid JSON"):
        read_adapter(directory)


def test_names_and_commands(tmp_path: Path) -> None:
    assert default_name("Demo Tool_Calling") == "demo-tool_calling-fused"
    source = read_adapter(adapter(tmp_path, run={"config": {"model": "smollm2-135m"}}))
    plan = FusePlan(source, Path("/m/f32"), tmp_path / "out", "tools-fused", quantize=4, gguf=True)
    fuse = fuse_command(plan)
    assert fuse[fuse.index("fuse") :] == [
        "fuse",
        "--model",
        "/m/f32",
        "--adapter-path",
        str(source.adapter_dir),
        "--save-path",
        str(tmp_path / "out" / "mlx"),
        "--export-gguf",
        "--gguf-path",
        "model.gguf",
    ]
    convert = quantize_command(plan)
    assert convert[-2:] == ["--q-bits", "4"] and str(tmp_path / "out" / "mlx-q4") in convert
    assert plan.quant_name == "tools-fused-q4" and plan.gguf_file.name == "tools-fused.gguf"
    with pytest.raises(UsageError, match="--quantize must be 4 or 8"):
        FusePlan(source, Path("/m"), tmp_path, "x", quantize=3)
    with pytest.raises(UsageError, match="--name 'Bad Name'"):
        FusePlan(source, Path("/m"), tmp_path, "Bad Name")
    assert "--export-gguf" not in fuse_command(FusePlan(source, Path("/m"), tmp_path, "x"))


def test_a_registered_name_resolves_and_a_vanished_one_says_where_it_was(tmp_path: Path) -> None:
    model = tmp_path / "fused"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(TINY_LLAMA))
    entry = RegisteredModel("tools-fused", str(model), "fused", "smollm2-135m", "runs/a", "now")
    register(entry, root=tmp_path)
    register(entry, root=tmp_path)  # registering again replaces
    assert list(read_registry(tmp_path)) == ["tools-fused"]
    assert registered_dir("tools-fused", tmp_path) == model and registered_dir("other", tmp_path) is None
    model.rename(tmp_path / "moved")
    with pytest.raises(UsageError, match="registered at .*fused, which no longer exists"):
        registered_dir("tools-fused", tmp_path)
    (tmp_path / "registry.json").write_text("[not a registry")
    with pytest.raises(UsageError, match="registry.json: not a punie model registry"):
        read_registry(tmp_path)


def test_resolve_model_finds_names_in_punies_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUNIE_HOME", str(tmp_path))
    model = tmp_path / "made"
    model.mkdir()
    register(RegisteredModel("made-fused", str(model), "fused", "b", "a", "now"))
    assert resolve_model("made-fused").path == model
    with pytest.raises(UsageError, match="a name `punie model list` shows"):
        resolve_model("never-made")


SMOLLM_PRE = {
    "type": "Sequence",
    "pretokenizers": [{"type": "Digits", "individual_digits": True}, {"type": "ByteLevel"}],
}


def test_pre_tokenizer_names_are_llama_cpps() -> None:
    assert pre_tokenizer_name(SMOLLM_PRE) == "smollm"
    assert pre_tokenizer_name({"type": "ByteLevel"}) == "gpt-2"
    with pytest.raises(ValueError, match="no llama.cpp pre-tokenizer"):
        pre_tokenizer_name({"type": "Metaspace"})


def test_bpe_metadata_orders_tokens_by_id_and_marks_special_tokens() -> None:
    tokenizer = {
        "model": {"type": "BPE", "vocab": {"a": 1, "b": 2, "ab": 3}, "merges": ["a b", ["ab", "b"]]},
        "added_tokens": [{"id": 0, "content": "<|endoftext|>", "special": True}],
        "pre_tokenizer": SMOLLM_PRE,
    }
    meta = bpe_metadata(tokenizer, vocab_size=5)
    assert meta is not None
    assert meta["tokenizer.ggml.tokens"] == ["<|endoftext|>", "a", "b", "ab", "[PAD4]"]
    assert meta["tokenizer.ggml.merges"] == ["a b", "ab b"]
    assert meta["token_types"] == [CONTROL, NORMAL, NORMAL, NORMAL, CONTROL]
    assert (meta["tokenizer.ggml.model"], meta["tokenizer.ggml.pre"]) == ("gpt2", "smollm")
    assert bpe_metadata({"model": {"type": "Unigram"}}, 5) is None


def test_the_modelfile_carries_the_tools_template_only_when_it_is_punies() -> None:
    text = modelfile("m.gguf", True, ["<|im_end|>"])
    assert text.splitlines()[1] == "FROM ./m.gguf" and "<tool_call>" in text
    assert 'PARAMETER stop "<|im_end|>"' in text and "PARAMETER temperature 0" in text
    assert "TEMPLATE" not in modelfile("m.gguf", False, []).replace("write its TEMPLATE", "")


def _result(rid: str, text: str, calls: tuple = ()) -> EvalResult:
    return EvalResult(rid, "tool_calling", bool(calls), 0.0, None, "", "none", calls, None, text, 0.0)


def _report(*results: EvalResult) -> EvalReport:
    return EvalReport("m", None, "s", "h", results, len(results), "", 0.0)


def test_equivalence_compares_text_and_calls_prompt_by_prompt() -> None:
    call = ({"name": "read_file", "arguments": {"path": "a"}},)
    reference = _report(_result("a", "x", call), _result("b", "same"), _result("c", "y"))
    other = _report(
        _result("a", "x", ({"name": "read_file", "arguments": {"path": "b"}},)), _result("b", "same")
    )
    found = same_answers(reference, other)
    assert (found.compared, found.identical, found.differing) == (2, 1, ("a",))
    assert found.text() == "1/2 answers identical to base + adapter (differ: a)"


def test_a_registered_name_is_not_re_pointed_without_force_and_can_be_removed(tmp_path: Path) -> None:
    """Issue 31: `fuse --name X` silently re-pointed X at another adapter's model."""
    from punie.runtime.registry import check_free, unregister

    register(
        RegisteredModel("tools-fused", str(tmp_path), "fused", "b", "/runs/a/adapter", "now"), root=tmp_path
    )
    check_free(("tools-fused",), "/runs/a/adapter", force=False, root=tmp_path)  # the same adapter again
    check_free(("other",), "/runs/b/adapter", force=False, root=tmp_path)
    with pytest.raises(
        UsageError, match=r"'tools-fused' is registered already \(fused from /runs/a/adapter.*--force"
    ):
        check_free(("other", "tools-fused"), "/runs/b/adapter", force=False, root=tmp_path)
    check_free(("tools-fused",), "/runs/b/adapter", force=True, root=tmp_path)
    assert unregister("tools-fused", tmp_path).path == str(tmp_path) and read_registry(tmp_path) == {}
    with pytest.raises(UsageError, match="'tools-fused' is not registered"):
        unregister("tools-fused", tmp_path)


def test_model_list_piped_prints_whole_names_and_remove_forgets_one(tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.helpers import punie_cmd

    env = {**os.environ, "PUNIE_HOME": str(tmp_path)}
    deep = tmp_path / ("a-rather-long-directory-name-" * 4) / "fused-model-directory"
    deep.mkdir(parents=True)
    name = "a-fused-model-with-a-name-long-enough-to-be-cut-at-eighty-columns-in-a-pipe"
    models = tmp_path / "models"
    models.mkdir()
    register(RegisteredModel(name, str(deep), "fused", "smollm2-135m", "runs/a/adapter", "now"), root=models)
    listed = subprocess.run(punie_cmd("model", "list"), capture_output=True, text=True, env=env, timeout=60)
    assert listed.returncode == 0 and name in listed.stdout and str(deep) in listed.stdout, listed.stdout
    removed = subprocess.run(
        punie_cmd("model", "remove", name), capture_output=True, text=True, env=env, timeout=60
    )
    assert removed.returncode == 0 and f"its files stay at {deep}" in removed.stdout.replace("\n", "")
    assert read_registry(models) == {} and deep.is_dir()
    again = subprocess.run(
        punie_cmd("model", "remove", name), capture_output=True, text=True, env=env, timeout=60
    )
    assert again.returncode == 2 and "is not registered" in again.stderr and "Traceback" not in again.stderr
    helped = subprocess.run(
        punie_cmd("model", "prepare", "--help"), capture_output=True, text=True, env=env, timeout=60
    )
    assert "f32 to serve" in helped.stdout and "4-bit" not in helped.stdout
