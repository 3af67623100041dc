"""`punie fuse` end to end on a real adapter of the embedded model: mlx-lm fuses and quantizes,
the GGUF is read back, the checks run real servers, and the registered name resolves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie.data.generate_tool_calling import generate_tool_calling
from punie.data.jsonl_io import write_dataset
from punie.data.ops import split_examples
from punie.journal.ledger import read_entries
from punie.runtime.models import resolve_model
from punie.train.lora_config import LoRAConfig
from punie.train.runner import run_training
from tests.helpers import run_punie

pytestmark = pytest.mark.integration


async def test_fuse_quantize_and_export_with_their_checks(tmp_path: Path, train_model_dir: Path) -> None:
    data = tmp_path / "data"
    write_dataset(data, split_examples(generate_tool_calling(16, seed=2), 0.25, 0.0, 2))
    adapter = tmp_path / "runs" / "tiny" / "adapter"
    # A high learning rate: the adapter moves the weights, so fusing has something to get wrong.
    await run_training(
        LoRAConfig(data_dir=data, adapter_dir=adapter, iters=3, batch_size=1, num_layers=4, max_seq_length=512,
                   learning_rate=1e-3, val_batches=1, save_every=3, steps_per_eval=1000)
    )  # fmt: skip
    out = tmp_path / "fused"
    done = run_punie(
        "fuse", str(adapter), "--output", str(out), "--name", "tiny-test-fused", "--quantize", "8",
        "--gguf", "--per-category", "1", "--journal", str(tmp_path / "J.md"), timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "fuse.json").read_text())
    equivalence = summary["equivalence"]
    assert equivalence["compared"] == 3 and equivalence["identical"] == 3, equivalence
    check = summary["gguf_check"]
    assert check["ok"] and check["same_tokenization"] and check["next_token_agreement"] == 1.0
    assert (check["tokenizer"], check["pre"]) == ("gpt2", "smollm")
    modelfile = (out / "gguf" / "Modelfile").read_text()
    assert "FROM ./tiny-test-fused.gguf" in modelfile and "<tool_call>" in modelfile
    assert set(summary["quantized"]["float"]) == {"tool_calling", "code_generation", "reasoning"}
    assert "95% CI" in summary["quantized"]["quantized"]["reasoning"]
    assert resolve_model("tiny-test-fused").path == (out / "mlx").resolve()
    assert resolve_model("tiny-test-fused-q8").path == (out / "mlx-q8").resolve()
    entry = read_entries(tmp_path / "J.jsonl")[-1]
    assert entry.kind == "fuse" and any("Greedy equivalence: 3/3" in line for line in entry.results)
    again = run_punie("fuse", str(adapter), "--output", str(out), "--no-check")
    assert again.returncode == 2 and "already exists and is not empty" in again.stderr
