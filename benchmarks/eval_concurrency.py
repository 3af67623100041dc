"""Suite wall time, sequential vs concurrent, against one managed mlx_lm.server.

    uv run python benchmarks/eval_concurrency.py [--levels 1,2,4,8] [--limit N] [--max-tokens N]

One server is started once, then the same prompts run at each concurrency level in turn (greedy,
so every level asks for the same work). Prints wall time per level, the ratio to sequential, and
how many responses differ from the sequential ones (batched decoding is not bit-identical).
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


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--levels", default="1,2,4,8")
    parser.add_argument("--limit", type=int, default=0, help="first N prompts of each category (0: all)")
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    suite = load_suite()
    suite = first_per_category(suite, args.limit)
    levels = [int(x) for x in args.levels.split(",")]
    work = Path(tempfile.mkdtemp(prefix="punie-evalbench-"))
    async with ServerProcess(
        ServerConfig(model_path=args.model, port=0), log_path=work / "server.log"
    ) as server:
        print(
            f"model {args.model} ({server.model_dir}), {len(suite.prompts)} prompts, "
            f"max_tokens {args.max_tokens}, server {server.base_url}"
        )
        walls: dict[int, float] = {}
        signatures: dict[int, dict[str, str]] = {}
        verdicts: dict[int, dict[str, bool]] = {}
        lost: dict[int, int] = {}
        for level in levels:
            out = work / f"c{level}"
            config = EvalRunConfig(
                suite=suite,
                output_dir=out,
                manage_server=False,
                endpoints=(server.config.endpoint(level),),
                settings=EvalSettings(
                    SamplingSettings(max_tokens=args.max_tokens, seed=0),
                    concurrency=level,
                    prompt_timeout=600,
                ),
            )
            started = time.monotonic()
            report = await run_evaluation(config)
            walls[level] = time.monotonic() - started
            signatures[level] = {
                r.prompt_id: response_signature(r.response) for r in read_results(out / "results.jsonl")
            }
            verdicts[level] = {r.id: r.passed for r in report.scored()}
            lost[level] = sum(1 for r in report.results if r.failure in ("timeout", "server_error"))
            print(
                f"concurrency {level}: {walls[level]:7.1f} s  overall {100 * report.overall_score:5.1f}%  "
                f"prompts lost {lost[level]}",
                flush=True,
            )
    first = levels[0]
    print(
        f"\n| concurrency | wall s | vs {first} | prompts lost | responses differing from {first} "
        f"| verdicts differing from {first} |\n|---|---|---|---|---|---|"
    )
    for level in levels:
        differ = sum(signatures[level].get(k) != v for k, v in signatures[first].items())
        flipped = sum(verdicts[level].get(k) != v for k, v in verdicts[first].items())
        print(
            f"| {level} | {walls[level]:.1f} | {walls[level] / walls[first]:.2f}x | {lost[level]} | {differ} "
            f"| {flipped} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
