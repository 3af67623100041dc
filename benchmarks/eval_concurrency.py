"""`punie eval`'s wall time per engine and concurrency, side by side in one run.

    uv run python benchmarks/eval_concurrency.py [--runs mlx:4,mlx:16,llama.cpp:16] [--limit N]
        [--max-tokens N] [--adapter DIR]

Each run is what `punie eval --engine E --concurrency C` does: start the engine's managed server,
answer the whole suite (greedy, so every run asks for the same work), stop it; the wall time
counts the server's start. The models are prepared once before the first run (the first use of an
engine converts its weights: not counted). Prints each run's wall time, its ratio to the first
run, the prompts lost (timeout or server error), and how many responses and verdicts differ from
the first run's. With --adapter, the same for that adapter.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from punie.eval.baseline import response_signature
from punie.eval.client import SamplingSettings
from punie.eval.results_log import read_results
from punie.eval.run_config import EvalRunConfig, EvalSettings
from punie.eval.runner import run_evaluation
from punie.eval.suite import first_per_category
from punie.eval.suite_load import load_suite
from punie.serve.config import ServerConfig
from punie.serve.process import ServerProcess


def parse_runs(text: str) -> list[tuple[str, int]]:
    runs = []
    for part in text.split(","):
        engine, _, level = part.rpartition(":")
        runs.append((engine, int(level)))
    return runs


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--runs", default="mlx:4,mlx:16,llama.cpp:1,llama.cpp:4,llama.cpp:16")
    parser.add_argument("--limit", type=int, default=0, help="first N prompts of each category (0: all)")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--adapter", default=None, help="evaluate this adapter instead of the base")
    args = parser.parse_args()
    suite = first_per_category(load_suite(), args.limit)
    runs = parse_runs(args.runs)
    work = Path(tempfile.mkdtemp(prefix="punie-evalbench-"))
    for engine in dict.fromkeys(e for e, _ in runs):  # each engine's weights, converted untimed
        server = ServerConfig(model_path=args.model, port=0, engine=engine, adapter_path=args.adapter)
        async with ServerProcess(server, log_path=work / f"warm-{engine}.log"):
            pass
    print(
        f"model {args.model}{' + ' + args.adapter if args.adapter else ''}, {len(suite.prompts)} prompts, "
        f"max_tokens {args.max_tokens}",
        flush=True,
    )
    walls, signatures, verdicts, lost = [], [], [], []
    for index, (engine, level) in enumerate(runs):
        out = work / f"run{index}-{engine}-c{level}"
        config = EvalRunConfig(
            suite=suite,
            output_dir=out,
            server=ServerConfig(model_path=args.model, port=0, engine=engine, adapter_path=args.adapter),
            settings=EvalSettings(
                SamplingSettings(max_tokens=args.max_tokens, seed=0),
                concurrency=level,
                prompt_timeout=600,
                engine=engine,
            ),
        )
        started = time.monotonic()
        report = await run_evaluation(config)
        walls.append(time.monotonic() - started)
        signatures.append(
            {r.prompt_id: response_signature(r.response) for r in read_results(out / "results.jsonl")}
        )
        verdicts.append({r.id: r.passed for r in report.scored()})
        lost.append(sum(1 for r in report.results if r.failure in ("timeout", "server_error")))
        score = 100 * report.overall_score
        warm = report.settings.get("slot_warmup")
        print(
            f"{engine} at concurrency {level}: {walls[-1]:7.1f} s  overall {score:5.1f}%  "
            f"prompts lost {lost[-1]}" + (f"  slots warmed {warm}" if warm else ""),
            flush=True,
        )
    first = f"{runs[0][0]} at {runs[0][1]}"
    print(
        f"\n| engine | concurrency | wall s | vs {first} | prompts lost | responses differing "
        f"| verdicts differing |\n|---|---|---|---|---|---|---|"
    )
    for index, (engine, level) in enumerate(runs):
        differ = sum(signatures[index].get(k) != v for k, v in signatures[0].items())
        flipped = sum(verdicts[index].get(k) != v for k, v in verdicts[0].items())
        print(
            f"| {engine} | {level} | {walls[index]:.1f} | {walls[0] / walls[index]:.2f}x faster | "
            f"{lost[index]} | {differ} | {flipped} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
