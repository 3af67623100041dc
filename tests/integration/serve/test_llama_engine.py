"""The llama.cpp engine on the embedded model: it answers as `mlx_lm.server` does, for the base
model and for a trained-looking adapter (a wrong LoRA translation changes the answers)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from safetensors.numpy import save_file

from punie.eval.client import ChatClient, SamplingSettings, build_request
from punie.eval.slot_warmup import opening, warm_slots
from punie.eval.suite_load import load_suite
from punie.eval.tool_schema import BUILTIN_TOOLS
from punie.serve.config import SERVED_MODEL_NAME, ServerConfig
from punie.serve.engines import ENGINES
from punie.serve.process import ServerProcess
from punie.serve.slots import slot_dir
from tests.helpers import lora_shapes

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not ENGINES["llama.cpp"].installed(), reason="xllamacpp is not installed"),
]
TOOLS = [spec.openai() for spec in BUILTIN_TOOLS.values()]
_CALL = {"type": "function", "function": {"name": "read_file", "arguments": {"path": "main.py"}}}
PROMPTS: tuple[list[dict[str, object]], ...] = (
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "user", "content": "Write a Python function that reverses a string."}],
    [{"role": "user", "content": "Read the file src/app.py and tell me what it does."}],
    # A call the model copies (the base model calls no tool unprompted): the split is exercised
    [
        {
            "role": "user",
            "content": 'Repeat exactly, nothing else: <tool_call>\n{"name": "read_file", '
            '"arguments": {"path": "app.py"}}\n</tool_call>',
        }
    ],
    # A conversation that already called a tool: its call and result are in the history
    [
        {"role": "user", "content": "Read main.py."},
        {"role": "assistant", "content": "", "tool_calls": [_CALL]},
        {"role": "tool", "content": "print('hello')"},
        {"role": "assistant", "content": "main.py prints hello."},
        {"role": "user", "content": "Now read the file app.py."},
    ],
)


def random_adapter(directory: Path) -> Path:
    """An mlx-lm LoRA adapter with weights large enough to change what the model says."""
    directory.mkdir(parents=True)
    rng = np.random.default_rng(0)
    weights = {
        name: (rng.standard_normal(shape) * 0.05).astype(np.float32)
        for name, shape in lora_shapes(range(24, 30)).items()
    }
    save_file(weights, str(directory / "adapters.safetensors"))
    parameters = {"rank": 4, "scale": 20.0, "dropout": 0.0, "keys": ["self_attn.q_proj", "self_attn.v_proj"]}
    config = {"fine_tune_type": "lora", "num_layers": 6, "lora_parameters": parameters}
    (directory / "adapter_config.json").write_text(json.dumps(config))
    return directory


async def answers(engine: str, adapter: Path | None, log: Path) -> list[tuple[str, list[object]]]:
    """Each prompt's greedy answer with the agent's tools offered: its text and its calls, as the
    eval's client reads them (the llama.cpp engine's call text split out as mlx_lm.server does)."""
    config = ServerConfig(
        model_path="smollm2-135m", port=0, engine=engine, adapter_path=str(adapter) if adapter else None
    )
    out = []
    async with ServerProcess(config, log_path=log) as server, httpx.AsyncClient(timeout=120) as http:
        assert server.engine.name == engine
        if engine != "mlx":  # llama.cpp lists the model by the name it was asked for, not a path
            listed = (await http.get(f"{server.base_url}/models")).json()["data"]
            assert [m["id"] for m in listed] == ["smollm2-135m"]
        client = ChatClient(server.endpoint(1), SERVED_MODEL_NAME, SamplingSettings(max_tokens=40))
        for prompt in PROMPTS:
            turn = await client.complete(http, prompt, TOOLS)
            calls = [(c.name, c.arguments) for c in turn.parsed().calls]
            out.append((turn.content, calls))
    return out


async def test_llama_cpp_answers_as_mlx_does_with_and_without_an_adapter(
    serve_model_dir: Path, tmp_path: Path
) -> None:
    adapter = random_adapter(tmp_path / "adapter")
    base_mlx = await answers("mlx", None, tmp_path / "a.log")
    base_llama = await answers("llama.cpp", None, tmp_path / "b.log")
    tuned_mlx = await answers("mlx", adapter, tmp_path / "c.log")
    tuned_llama = await answers("llama.cpp", adapter, tmp_path / "d.log")
    assert tuned_mlx != base_mlx  # the adapter changes the model, so the comparison below means something
    assert base_llama == base_mlx
    assert tuned_llama == tuned_mlx
    assert any(calls for _, calls in tuned_mlx + base_mlx), "no prompt made a call: the split is untested"
    assert list(adapter.glob("adapters-*.gguf"))  # converted once, beside the adapter


async def test_warmed_slots_compute_only_what_follows_the_shared_opening(tmp_path: Path) -> None:
    """The eval's warm-up on the real server: a slot that held nothing computes a tool-calling
    prompt's whole opening; after the warm-up, every slot computes only the prompt's own tail."""
    prompts = load_suite().prompts[:3]  # tool-calling prompts: the same tools, different requests
    config = ServerConfig(model_path="smollm2-135m", port=0, engine="llama.cpp", decode_concurrency=3)
    async with (
        ServerProcess(config, log_path=tmp_path / "s.log") as server,
        httpx.AsyncClient(timeout=120) as http,
    ):
        client = ChatClient(server.endpoint(3), SERVED_MODEL_NAME, SamplingSettings(max_tokens=4))
        messages, tools = opening(prompts[1])
        body = build_request(client.model, messages, tools, client.sampling)

        async def computed(slot: int) -> tuple[int, int]:
            answer = (
                await http.post(f"{server.base_url}/chat/completions", json={**body, "id_slot": slot})
            ).json()
            return answer["timings"]["prompt_n"], answer["timings"]["cache_n"]

        cold, _ = await computed(2)
        warmup = await warm_slots(http, client, prompts, slot_dir())
        assert warmup is not None and warmup.slots == 3 and warmup.tokens > 300
        assert cold > 300  # the whole opening, tools included
        for slot in (1, 2):
            tail, cached = await computed(slot)
            assert tail < 40 and cached > 300, (slot, tail, cached)
    assert not list(slot_dir().glob("punie-*.bin"))
