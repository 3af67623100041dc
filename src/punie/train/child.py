"""Runs inside the training child process: mlx-lm's own `train_model` with our callback.

`mlx_lm.lora.run()` replaces any callback it is given, so this calls `mlx_lm.lora.train_model`
directly (which keeps it) after loading the model and data the way `mlx_lm.lora` does. Every
report is appended to the events file as one JSON line as soon as it happens, so the parent
shows live progress and a crash loses at most the step in flight.

Usage: python -m punie.train.child SPEC.json
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import types
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO


class EventWriter:
    def __init__(self, handle: TextIO) -> None:
        self.handle = handle

    def emit(self, event: str, **fields: Any) -> None:
        self.handle.write(json.dumps({"event": event, "time": time.time(), **fields}) + "\n")
        self.handle.flush()


STOP = {"requested": False}


def _request_stop(signum: int, frame: Any) -> None:
    STOP["requested"] = True


def save_adapter_atomically(model: Any, adapter_dir: Path) -> Path:
    """Write the current LoRA weights to adapters.safetensors via a temp file + rename."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    target = adapter_dir / "adapters.safetensors"
    tmp = adapter_dir / ".adapters.tmp.safetensors"
    mx.save_safetensors(str(tmp), dict(tree_flatten(model.trainable_parameters())))
    os.replace(tmp, target)
    return target


def _checkpoint_val_loss(model: Any, valid_set: Any, args: Any) -> float:
    """Validation loss of the weights being checkpointed now.

    mlx-lm validates *before* the step of the iteration it reports, so its validation never
    measures the weights a checkpoint holds; to pick the best checkpoint we measure them here.
    """
    from mlx_lm.tuner.datasets import CacheDataset
    from mlx_lm.tuner.trainer import evaluate

    model.eval()
    try:
        return float(
            evaluate(
                model=model,
                dataset=CacheDataset(valid_set),
                batch_size=args.batch_size,
                num_batches=args.val_batches,
                max_seq_length=args.max_seq_length,
            )
        )
    finally:
        model.train()


def _callback(writer: EventWriter, model: Any, valid_set: Any, args: Any) -> Any:
    from mlx_lm.tuner.callbacks import TrainingCallback

    adapter_dir = Path(args.adapter_path)

    class Reporter(TrainingCallback):  # type: ignore[misc]
        def on_train_loss_report(self, train_info: dict[str, Any]) -> None:
            writer.emit("train", **{k: float(v) for k, v in train_info.items()})
            iteration = int(train_info["iteration"])
            if args.measure_checkpoints and (iteration % args.save_every == 0 or iteration == args.iters):
                loss = _checkpoint_val_loss(model, valid_set, args)
                writer.emit("checkpoint", iteration=iteration, val_loss=loss)
            if STOP["requested"]:  # SIGTERM (Ctrl-C in the parent): keep what was learned, then stop
                saved = save_adapter_atomically(model, adapter_dir)
                writer.emit("interrupted", iteration=float(train_info["iteration"]), adapter=str(saved))
                sys.stdout.flush()
                os._exit(130)

        def on_val_loss_report(self, val_info: dict[str, Any]) -> None:
            writer.emit("val", **{k: float(v) for k, v in val_info.items()})

    return Reporter()


def check_keys(model: Any, keys: list[str]) -> None:
    """Fail on LoRA keys that match no module: mlx-lm would silently train nothing there."""
    names = {name for name, _ in model.layers[-1].named_modules()}
    unknown = [key for key in keys if key not in names]
    if unknown:
        linear = sorted(n for n, m in model.layers[-1].named_modules() if type(m).__name__.endswith("Linear"))
        raise ValueError(f"LoRA keys {unknown} match no module in this model; its linear layers are {linear}")


def run(spec: dict[str, Any], writer: EventWriter) -> None:
    import mlx.core as mx
    import numpy as np
    from mlx.utils import tree_flatten
    from mlx_lm.lora import CONFIG_DEFAULTS, train_model
    from mlx_lm.tuner.datasets import load_dataset
    from mlx_lm.utils import load, load_tokenizer

    from punie.runtime.device import apply_in_child

    device = apply_in_child(spec.get("device"))
    writer.emit(
        "start",
        device=device,
        mlx=metadata.version("mlx"),
        mlx_lm=metadata.version("mlx-lm"),
    )
    started = time.perf_counter()
    if spec.get("shape"):  # random weights of a named architecture; the model dir gives the tokenizer
        from punie.train.shapes import build_random_model

        model = build_random_model(spec["shape"], spec.get("dtype") or "float32")
        tokenizer = load_tokenizer(Path(spec["model"]))
    else:
        loaded: Any = load(spec["model"])
        model, tokenizer = loaded[0], loaded[1]
        if spec.get("dtype"):
            model.set_dtype(getattr(mx, spec["dtype"]))
    writer.emit("loaded", seconds=time.perf_counter() - started)
    if spec.get("check_keys"):
        check_keys(model, spec["check_keys"])

    args = types.SimpleNamespace(**{**CONFIG_DEFAULTS, **spec["lora_args"]})
    args.model = spec["model"]
    np.random.seed(args.seed)  # as mlx_lm.lora.run does: it fixes the order of training batches
    args.train, args.test = True, False
    train_set, valid_set, _ = load_dataset(args, tokenizer)
    writer.emit("data", train=len(train_set), valid=len(valid_set))

    begun = time.perf_counter()
    signal.signal(signal.SIGTERM, _request_stop)
    args.measure_checkpoints = bool(spec.get("measure_checkpoints"))
    train_model(args, model, train_set, valid_set, _callback(writer, model, valid_set, args))
    flat: Any = tree_flatten(model.trainable_parameters())
    trainable = sum(value.size for _, value in flat)
    writer.emit(
        "done",
        train_seconds=time.perf_counter() - begun,
        trainable_parameters=int(trainable),
        peak_memory_gb=mx.get_peak_memory() / 1e9,
    )


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    with open(spec["events_path"], "a", encoding="utf-8") as handle:
        writer = EventWriter(handle)
        try:
            run(spec, writer)
        except Exception as exc:
            writer.emit("error", message=f"{type(exc).__name__}: {exc}")
            raise


if __name__ == "__main__":
    main()
