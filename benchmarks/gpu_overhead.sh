#!/usr/bin/env bash
# Issue 15's GPU check: punie's training child against raw mlx-lm `train_model`, wall clock, on
# the tiny shape and the SmolLM2 shape (random weights, bf16), on a machine with an NVIDIA GPU and
# no package index. The wheels (mlx, mlx-cuda-13, mlx-lm) arrive as a split tar: the first part
# staged in /tmp/stage by an earlier call, the second in .gpu/b; the embedded model's tokenizer
# files in .gpu/tok. The image's torch venv provides the CUDA 13 libraries, numpy, transformers,
# httpx, psutil and rich.
#   three comparisons, each 2 runs of each target, 60 iterations timed from the 10th:
#   raw reporting every 10 steps (mlx-lm's default) vs punie reporting every step (before),
#   the same raw vs punie's own default (after), and both reporting every step (where the cost is)
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export PYTHONPATH=/tmp/site:$PWD/src PUNIE_HOME=/tmp/punie-home PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
cat /tmp/stage/part.* .gpu/b/part.* > /tmp/wheels.tar && mkdir -p /tmp/whl && tar xf /tmp/wheels.tar -C /tmp/whl
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site /tmp/whl/.whl/*.whl || exit 1
ln -sfn "$(python3 -c 'import nvidia; print(list(nvidia.__path__)[0])')" /tmp/site/nvidia
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import mlx.core as mx; print('mlx', mx.__version__, mx.default_device())" | tee -a "$OUT/gpu.txt"
common=(--device gpu --overhead tiny-llama,shape:smollm2-135m --repeats 2 --iters 60 --warmup 10 --num-layers 4
        --tokenizer-dir .gpu/tok)
for flags in "--raw-report 10 --punie-report 1" "--raw-report 10" "--raw-report 1 --punie-report 1"; do
    echo "== $flags" | tee -a "$OUT/overhead.txt"
    # shellcheck disable=SC2086
    python3 benchmarks/train_throughput.py "${common[@]}" $flags 2>&1 | tee -a "$OUT/overhead.txt"
done
