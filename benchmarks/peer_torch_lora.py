"""The torch + transformers + peft LoRA loop a Linux user would otherwise pick (the peer).

Same GGUF (transformers dequantizes it to fp32), same chat template and data, same LoRA shape as
punie's benchmark. Prints one JSON line. Run with a Python that has torch, transformers, peft and
gguf (`uv sync --extra bench-peers`, or any venv):

    python benchmarks/peer_torch_lora.py --gguf-dir D --gguf-file F --tokenizer-dir T --data DIR
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

KEYS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--tokenizer-dir", "--data"):
        parser.add_argument(name, required=True)
    parser.add_argument("--gguf-dir", help="the embedded model's GGUF (CPU mode)")
    parser.add_argument("--gguf-file")
    parser.add_argument("--shape-config", help="JSON config of a random-weight model (GPU mode, bf16)")
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--num-layers", type=int, default=8)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--max-seq-length", type=int, default=512)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer_dir)
    started = time.perf_counter()
    if args.shape_config:  # random weights of the same architecture punie's --shape builds
        from transformers import AutoConfig

        shape = json.loads(args.shape_config)
        config_obj = AutoConfig.for_model(**shape)
        with torch.device(args.device):  # built where it trains: a 7B model is slow to init on the CPU
            try:
                model = AutoModelForCausalLM.from_config(config_obj, dtype=torch.bfloat16)
            except TypeError:  # transformers 4 spells it torch_dtype
                model = AutoModelForCausalLM.from_config(config_obj, torch_dtype=torch.bfloat16)
    else:
        model = AutoModelForCausalLM.from_pretrained(
            args.gguf_dir, gguf_file=args.gguf_file, torch_dtype=torch.float32
        )
    model.to(args.device)
    load_seconds = time.perf_counter() - started
    layers = model.config.num_hidden_layers
    config = LoraConfig(
        r=args.rank,
        lora_alpha=args.scale * args.rank,  # peft scales by alpha / r; mlx-lm by `scale`
        lora_dropout=0.0,
        target_modules=KEYS,
        layers_to_transform=list(range(layers - args.num_layers, layers)),
    )
    model = get_peft_model(model, config)
    model.train()

    rows = [json.loads(line) for line in (Path(args.data) / "train.jsonl").read_text().splitlines()]
    encoded = []
    for row in rows:
        ids = tokenizer.apply_chat_template(row["messages"], tools=row.get("tools"), tokenize=True)
        if hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        encoded.append(list(ids)[: args.max_seq_length])
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    pad = tokenizer.pad_token_id or 0
    seconds, tokens = [], []
    for it in range(args.iters):
        batch = [encoded[(it * args.batch_size + i) % len(encoded)] for i in range(args.batch_size)]
        width = max(len(x) for x in batch)
        ids = torch.tensor([x + [pad] * (width - len(x)) for x in batch], device=args.device)
        mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in batch], device=args.device)
        labels = ids.masked_fill(mask == 0, -100)
        tic = time.perf_counter()
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if args.device != "cpu":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - tic)
        tokens.append(int(mask.sum()))
    timed_s, timed_t = seconds[args.warmup :], tokens[args.warmup :]
    print(
        json.dumps(
            {
                "name": "torch + peft",
                "torch": torch.__version__,
                "tokens_per_second": statistics.median(t / s for t, s in zip(timed_t, timed_s, strict=True)),
                "aggregate_tokens_per_second": sum(timed_t) / sum(timed_s),
                "seconds_per_iter": statistics.median(timed_s),
                "load_seconds": load_seconds,
                "final_loss": float(loss),
            }
        )
    )


if __name__ == "__main__":
    main()
