"""The engines, each declared once: the choice `auto` makes, the llama.cpp child's command, the
adapter's translation to llama.cpp's LoRA layout, and the engine a report records."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from punie.errors import AdapterError, UsageError
from punie.eval.baseline import baseline_key
from punie.eval.run_config import EvalRunConfig, EvalSettings
from punie.eval.suite import EvalSuite
from punie.journal.compare import not_comparable
from punie.serve.config import ServerConfig, build_server_command
from punie.serve.engines import (
    AUTO,
    AUTO_ORDER,
    ENGINE_CHOICES,
    ENGINES,
    choose_engine,
    engine_of,
    llama_command,
)
from punie.serve.lora_gguf import gguf_lora_name, lora_scale
from punie.serve.slots import slot_dir
from tests.unit.journal.test_incomplete_and_compare import report, result


def test_every_engine_is_a_choice_and_builds_its_own_command() -> None:
    assert (AUTO, *ENGINES) == ENGINE_CHOICES
    config = ServerConfig(model_path="/m/model.gguf", port=9001, adapter_path="/a/lora.gguf")
    assert ENGINES["mlx"].command(config) == build_server_command(config)
    argv = ENGINES["llama.cpp"].command(config)
    assert argv[1:3] == ["-m", "punie.serve.llama_child"]
    assert argv[argv.index("--model") + 1] == "/m/model.gguf"
    assert argv[argv.index("--port") + 1] == "9001" and argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--lora") + 1] == "/a/lora.gguf"
    template = Path(argv[argv.index("--chat-template-file") + 1])
    assert template.is_file() and "<tool_call>" in template.read_text()  # punie's tools template


def test_llama_command_needs_a_concrete_port_and_sizes_its_slots() -> None:
    with pytest.raises(ValueError, match="port 0"):
        llama_command(ServerConfig(model_path="m.gguf", port=0))
    argv = llama_command(ServerConfig(model_path="m.gguf", port=5, decode_concurrency=3, chat_template="T"))
    assert argv[argv.index("--parallel") + 1] == "3" and argv[argv.index("--chat-template") + 1] == "T"
    assert argv[argv.index("--slot-save-path") + 1] == str(slot_dir())  # the warm-up copies slots there
    assert "--lora" not in argv


def test_auto_takes_mlx_for_what_llama_cpp_cannot_serve() -> None:
    assert choose_engine(AUTO, "org/some-hub-model") == "mlx"  # an MLX directory or hub id
    assert choose_engine(AUTO, "smollm2-135m", device="gpu") == "mlx"  # the PyPI wheel is CPU-only
    installed = [name for name in AUTO_ORDER if ENGINES[name].installed()]
    expected = installed[0] if sys.platform == "linux" and installed else "mlx"
    assert choose_engine(AUTO, "smollm2-135m") == expected
    assert choose_engine("mlx", "smollm2-135m") == "mlx"
    assert engine_of(ServerConfig(model_path="smollm2-135m")).name == "mlx"  # the seed's default


def test_an_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown engine 'vllm'"):
        choose_engine("vllm", "smollm2-135m")
    with pytest.raises(UsageError, match="--engine must be one of auto, mlx, llama.cpp, llama-server"):
        EvalSettings(engine="vllm")


def test_lora_names_and_scale_translate_to_llama_cpp() -> None:
    assert gguf_lora_name("model.layers.3.self_attn.q_proj.lora_a") == "blk.3.attn_q.weight.lora_a"
    assert gguf_lora_name("model.layers.29.mlp.down_proj.lora_b") == "blk.29.ffn_down.weight.lora_b"
    with pytest.raises(AdapterError, match="linear layers only"):
        gguf_lora_name("model.embed_tokens.lora_a")
    assert lora_scale({"lora_parameters": {"rank": 8, "scale": 20.0}}) == (20.0, 8)
    with pytest.raises(AdapterError, match="dora adapter cannot be served"):
        lora_scale({"fine_tune_type": "dora"})


def test_a_report_records_its_engine_and_never_shares_a_baseline_across_engines(tmp_path: Path) -> None:
    suite = EvalSuite(name="s", prompts=())

    def recorded(engine: str) -> dict[str, object]:
        server = ServerConfig(model_path="org/model", port=0, engine=engine)
        return EvalRunConfig(suite, tmp_path, EvalSettings(engine=engine), server=server).recorded()

    assert recorded("mlx")["engine"] == "mlx"
    assert recorded(AUTO)["engine"] == "mlx"  # auto is recorded as what it chose
    if ENGINES["llama.cpp"].installed():
        assert recorded("llama.cpp")["engine"] == "llama.cpp"
        assert baseline_key("m", "h", recorded("mlx")) != baseline_key("m", "h", recorded("llama.cpp"))
    unmanaged = EvalRunConfig(suite, tmp_path, manage_server=False, endpoints=(ServerConfig("m").endpoint(),))
    assert unmanaged.recorded()["engine"] is None


def test_a_comparison_never_mixes_engines() -> None:
    mlx = report(result("a", "reasoning", True), engine="mlx")
    llama = report(result("a", "reasoning", True), engine="llama.cpp")
    assert not_comparable(mlx, llama) == ["different eval settings (engine mlx vs llama.cpp)"]
