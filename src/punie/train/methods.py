"""The training methods, each declared once: the dataset format it reads, where `punie dataset
sample` writes that data, and what the training child needs to know of it.

- `sft`: supervised fine-tuning on chat, completions or text examples (mlx-lm's own loss);
- `dpo`: Direct Preference Optimization (Rafailov et al. 2023) on preference pairs, with mlx-lm's
  trainer and a DPO loss (`punie.train.dpo`); the reference model is the same weights with the
  adapter off (`reference=base`), the model as training starts (`reference=start`: with
  `--init-adapter`, the adapter it starts from, as DPO after SFT wants), or none
  (`reference=none`: the reference log-probs are 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from punie.data.formats import SAMPLE_SUMMARY, SAMPLED_EXAMPLES, SAMPLED_PAIRS
from punie.errors import UsageError


@dataclass(frozen=True)
class Method:
    name: str
    formats: tuple[str, ...]  # the dataset formats it trains on (punie.data.formats)
    sampled: str  # the subdirectory `punie dataset sample` writes its data to
    preference: bool = False  # the child trains on pairs with the DPO loss

    def data_dir(self, directory: Path) -> Path:
        """`directory` itself when it holds a training split, else its subdirectory of this
        method's sampled data when that does (`punie train SAMPLED --method dpo`); a sampled
        directory without that data is a usage error that says why."""
        own = directory / "train.jsonl"
        sampled = directory / self.sampled
        if own.is_file():
            return directory
        if (sampled / "train.jsonl").is_file():
            return sampled
        if (directory / SAMPLE_SUMMARY).is_file():
            what = "no answer passed"
            if self.preference:
                what = "no prompt got both a passing and a failing answer"
            raise UsageError(
                f"{directory}: `punie dataset sample` wrote no {self.sampled}/ data ({what}); sample more "
                "prompts (--per-category) or more answers (--k)"
            )
        return directory


METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method("sft", ("chat", "completions", "text"), SAMPLED_EXAMPLES),
        Method("dpo", ("preference",), SAMPLED_PAIRS, preference=True),
    )
}
REFERENCES = ("base", "start", "none")
