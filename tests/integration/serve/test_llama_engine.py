"""The llama.cpp engine on the embedded model: it answers as `mlx_lm.server` does, for the base
model and for a trained-looking adapter (a wrong LoRA translation changes the answers)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from safetensors.numpy import save_file

from punie.serve.config import ServerConfig
from punie.serve.engines import ENGINES
from punie.serve.process import ServerProcess
from tests.helpers import lora_shapes

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not ENGINES["llama.cpp"].installed(), reason="xllamacpp is not installed"),
]
PROMPTS = (
    "What is the capital of France?",
    "Write a Python function that reverses a string.",
    "Read the file src/app.py and tell me what it does.",
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


async def answers(engine: str, adapter: Path | None, log: Path) -> list[str]:
    config = ServerConfig(
        model_path="smollm2-135m", port=0, engine=engine, adapter_path=str(adapter) if adapter else None
    )
    out = []
    async with ServerProcess(config, log_path=log) as server, httpx.AsyncClient(timeout=120) as http:
        assert server.engine.name == engine
        for prompt in PROMPTS:
            body = {"messages": [{"role": "user", "content": prompt}], "max_tokens": 24, "temperature": 0.0}
            reply = await http.post(f"{server.base_url}/chat/completions", json=body)
            out.append(reply.json()["choices"][0]["message"]["content"])
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
    assert list(adapter.glob("adapters-*.gguf"))  # converted once, beside the adapter
