"""The demo's seed: each seed its own data, split, training seed and runs."""

from pathlib import Path

from punie.experiment.demo import DemoConfig, demo_experiment, demo_splits

ANSWER = {
    "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    "category": "replay",
}


def test_seed_zero_is_the_demo_and_other_seeds_get_their_own_data_and_training() -> None:
    zero, one = DemoConfig(model="m", workdir=Path("w")), DemoConfig(model="m", workdir=Path("w"), seed=1)
    assert zero.data_dir == Path("w/data/demo-tool-calling")
    assert one.data_dir == Path("w/data/demo-tool-calling-seed1")
    assert demo_experiment(one).root == Path("w/runs/demo-tool-calling-seed1")
    assert demo_experiment(zero).training.seed == 0 and demo_experiment(one).training.seed == 1
    assert demo_splits(zero, [ANSWER]) == demo_splits(zero, [ANSWER])  # pure: the same seed, the same data
    assert demo_splits(zero, [ANSWER])["train"] != demo_splits(one, [ANSWER])["train"]
    replayed = sum(r.get("category") == "replay" for s in demo_splits(one, [ANSWER]).values() for r in s)
    assert replayed == round(one.replay * one.examples)
