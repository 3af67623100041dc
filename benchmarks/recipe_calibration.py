"""How honest is a recipe's interval at punie's sizes? Simulated suites with a known effect
(punie.eval.recipe_simulation): coverage of the true effect, the share of runs that declare a
change, and the share that one run's McNemar test would declare. Pure CPU, about 10 s.

    uv run python benchmarks/recipe_calibration.py [--runs 300]
"""

from __future__ import annotations

import argparse

from punie.eval.recipe_simulation import Scenario, calibrate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print("prompts | seeds | effect (logit) | seed sd | true effect (pts) | coverage | declared | ", end="")
    print("McNemar, one run")
    for prompts, seeds in ((24, 3), (24, 5), (60, 3), (60, 5)):
        for effect in (0.0, 0.8):
            for spread in (0.6, 1.0):
                found = calibrate(Scenario(prompts, seeds, effect=effect, seed_spread=spread), args.runs)
                print(
                    f"{prompts} | {seeds} | {effect:g} | {spread:g} | {100 * found.true_effect:+.1f} | "
                    f"{found.coverage:.3f} | {found.declared:.3f} | {found.mcnemar_declared:.3f}"
                )


if __name__ == "__main__":
    main()
