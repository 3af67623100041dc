"""Runs inside the training child process: mlx-lm's own `train_model` with our callback.

`mlx_lm.lora.run()` replaces any callback it is given, so this calls `mlx_lm.lora.train_model`
directly (which keeps it) after loading the model and data the way `mlx_lm.lora` does. Every
report is appended to the events file as one JSON line as soon as it happens, so the parent
shows live progress and a crash loses at most the step in flight.

Usage: python -m punie.train.child SPEC.json   (under mlx.launch: the same on every rank)
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from punie.errors import install_excepthook
from punie.runtime.adapter_files import ADAPTER_CONFIG, ADAPTER_WEIGHTS, CHECKPOINT_SUFFIX


class EventWriter:
    def __init__(self, handle: TextIO) -> None:
        self.handle = handle

    def emit(self, event: str, **fields: Any) -> None:
        self.handle.write(json.dumps({"event": event, "time": time.time(), **fields}) + "\n")
        self.handle.flush()


STOP = {"requested": False}
# Spec arguments of ours that mlx-lm's adapter_config.json does not hold.
PRIVATE_ARGS = frozenset({"measure_checkpoints", "start_iteration"})
# mlx-lm saves on `it % steps_per_save == 0`: with this it only saves its final weights, into a
# scratch directory; every file the adapter directory holds is written by `save_checkpoint`.
NEVER = 2**62


@dataclass(frozen=True)
class RunPlan:
    """Where this run's iteration count starts and ends, and where it saves."""

    adapter_dir: Path
    start: int
    total: int
    save_every: int
    measure_checkpoints: bool  # punie validates (checkpoints, every validate_every), not mlx-lm
    rank: int = 0  # under mlx.launch only rank 0 writes files and events; all ranks compute
    validate_every: int = 0

    @property
    def writes(self) -> bool:
        return self.rank == 0


def _request_stop(signum: int, frame: Any) -> None:
    STOP["requested"] = True
    if os.environ.get("MLX_RANK") is not None:
        # Under mlx.launch our output is a pipe to the launcher, which the same Ctrl-C ends: the
        # next progress line would then kill this rank before rank 0 saves its weights.
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)


def save_checkpoint(model: Any, adapter_dir: Path, iteration: int) -> Path:
    """Write the current LoRA weights as `{iteration:07d}_adapters.safetensors` and as
    `adapters.safetensors`, each through a temp file, fsync and rename: a kill or a full disk
    leaves the previous files whole. Numbered files carry the run's continued iteration count, so
    a resumed run never overwrites one."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    from punie.runtime.atomic import replacing

    weights = dict(tree_flatten(model.trainable_parameters()))
    numbered = adapter_dir / f"{iteration:07d}{CHECKPOINT_SUFFIX}"
    for target in (numbered, adapter_dir / ADAPTER_WEIGHTS):
        with replacing(target, suffix=".safetensors") as tmp:
            mx.save_safetensors(str(tmp), weights)
    return numbered


def write_adapter_config(args: Any, adapter_dir: Path) -> None:
    """`adapter_config.json` as mlx-lm writes it (sorted keys), but atomically and with the
    run's own settings: mlx-lm itself is pointed at a scratch directory (see `run`)."""
    from punie.runtime.atomic import write_text_atomic

    config = {k: v for k, v in sorted(vars(args).items()) if k not in PRIVATE_ARGS}
    write_text_atomic(adapter_dir / ADAPTER_CONFIG, json.dumps(config, indent=4, default=str))


def _checkpoint_val_loss(model: Any, valid_set: Any, args: Any, objective: dict[str, Any]) -> float:
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
                **objective,
            )
        )
    finally:
        model.train()


class FirstOnly:
    """The validation split as mlx-lm's trainer sees it when punie validates: whole until its
    first validation (the starting weights), then empty, so the trainer validates no more (its
    later passes measure the weights before a step, which no checkpoint holds)."""

    def __init__(self, rows: Any) -> None:
        self.rows, self.closed = rows, False

    def close(self) -> None:
        self.closed = True

    def __len__(self) -> int:
        return 0 if self.closed else len(self.rows)

    def __getitem__(self, index: int) -> Any:
        return self.rows[index]

    def __getattr__(self, name: str) -> Any:  # the dataset's own methods (`process`, ...)
        return getattr(self.rows, name)


def _callback(
    writer: EventWriter,
    model: Any,
    valid_set: Any,
    args: Any,
    run: RunPlan,
    objective: dict[str, Any],
    shown: Any = None,  # the validation split mlx-lm's trainer sees (a FirstOnly: close it after its pass)
) -> Any:
    """Reports each of mlx-lm's reports (every `steps_per_report` steps: the window's mean loss
    and rates) with the run's continued iteration number, saves a checkpoint at the first report
    at or past each multiple of `save_every` and at the end (atomically), and on SIGTERM saves the
    last completed step and stops."""
    from mlx_lm.tuner.callbacks import TrainingCallback

    from punie.train.checkpoints import checkpoint_due

    class Reporter(TrainingCallback):  # type: ignore[misc]
        last = run.start

        def on_train_loss_report(self, train_info: dict[str, Any]) -> None:
            iteration = run.start + int(train_info["iteration"])
            steps = iteration - self.last
            fields = {k: float(v) for k, v in train_info.items()}
            # mlx-lm divides steps_per_report by the window's time, also for a shorter last window
            fields["iterations_per_second"] *= steps / args.steps_per_report
            writer.emit("train", **{**fields, "iteration": iteration, "steps": steps})
            due = checkpoint_due(self.last, iteration, run.save_every, run.total)
            validate = run.measure_checkpoints and (
                due or checkpoint_due(self.last, iteration, run.validate_every, run.total)
            )
            self.last = iteration
            extra: dict[str, Any] = {}
            if validate:  # a collective: every rank takes part
                writer.emit("validating", iteration=iteration, batches=int(args.val_batches))
                tic = time.perf_counter()
                extra["val_loss"] = _checkpoint_val_loss(model, valid_set, args, objective)
                writer.emit("val", iteration=iteration, val_time=time.perf_counter() - tic, **extra)
            if due and run.writes:
                saved = save_checkpoint(model, run.adapter_dir, iteration)
                writer.emit("checkpoint", iteration=iteration, file=saved.name, **extra)
            if STOP["requested"]:  # SIGTERM (Ctrl-C in the parent): keep what was learned, then stop
                if run.writes:
                    saved = save_checkpoint(model, run.adapter_dir, iteration)
                    writer.emit("interrupted", iteration=iteration, adapter=str(saved))
                sys.stdout.flush()
                os._exit(130)

        def on_val_loss_report(self, val_info: dict[str, Any]) -> None:
            """mlx-lm's own validation: with punie validating, only its first (the starting
            weights, before step 1); a benchmark's, all of them."""
            fields = {k: float(v) for k, v in val_info.items()}
            iteration = run.start + int(val_info["iteration"])
            if isinstance(shown, FirstOnly):  # mlx-lm reports it as iteration 0: before step 1
                shown.close()
            writer.emit("val", **{**fields, "iteration": iteration})

    return Reporter()


def token_shares(dataset: Any, args: Any) -> dict[str, int]:
    """All tokens and the tokens the loss counts, over the training split as batched: they differ
    with mask_prompt (only completions count), and the summary shows both rates then."""
    if not args.mask_prompt:
        return {}
    total = trained = 0
    for index in range(len(dataset)):
        tokens, offset = dataset.process(dataset[index])
        length = min(len(tokens), args.max_seq_length)
        total += length
        trained += max(length - offset, 0)
    return {"all_tokens": total, "trained_tokens": trained}


@contextlib.contextmanager
def trainer_objective(objective: dict[str, Any]) -> Iterator[None]:
    """mlx-lm's `train_model` (LoRA layers, resume, optimizer, schedule: all of its setup) with
    `objective`'s loss and batches: its `train()` takes them, but `train_model` passes none, so
    the name it calls is bound to them for the length of the run (nothing else runs in this
    process). Nothing changes without an objective."""
    import mlx_lm.lora

    if not objective:
        yield
        return
    original = mlx_lm.lora.train
    mlx_lm.lora.train = functools.partial(original, **objective)
    try:
        yield
    finally:
        mlx_lm.lora.train = original


@contextlib.contextmanager
def adapter_on(model: Any, adapter_dir: str | None) -> Iterator[None]:
    """The model with `adapter_dir`'s LoRA layers on (mlx-lm's own loader) inside the block, and
    the plain layers back after it, so that mlx-lm's trainer adds its LoRA layers to the base
    (it then loads the same weights into them, from `resume_adapter_file`). No adapter: as is."""
    if adapter_dir is None:
        yield
        return
    from mlx.utils import tree_unflatten
    from mlx_lm.tuner.utils import load_adapters

    load_adapters(model, adapter_dir)
    try:
        yield
    finally:
        wrapped = [(name, module) for name, module in model.named_modules() if hasattr(module, "lora_a")]
        model.update_modules(
            tree_unflatten(
                [
                    (name, module.linear if "linear" in module else module.embedding)
                    for name, module in wrapped
                ]
            )
        )


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
    world = mx.distributed.init()  # one rank of one process without mlx.launch
    writer.emit(
        "start",
        device=device,
        mlx=metadata.version("mlx"),
        mlx_lm=metadata.version("mlx-lm"),
        world_size=world.size(),
        backend=spec.get("backend") or "none",
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
    objective: dict[str, Any] = {}  # mlx-lm's own loss and batches, unless a method brings its own
    if preference := spec.get("preference"):
        from punie.train.dpo import load_pairs, make_loss, pair_batches

        reference = preference["reference"]
        with adapter_on(model, preference.get("start_adapter")):  # reference `start`: that adapter's
            train_set, valid_set = load_pairs(
                Path(args.data), tokenizer, model, reference, args.max_seq_length
            )
        objective = {"loss": make_loss(preference["beta"]), "iterate_batches": pair_batches}
        writer.emit("data", train=len(train_set), valid=len(valid_set), method="dpo", reference=reference)
    else:
        train_set, valid_set, _ = load_dataset(args, tokenizer)
        writer.emit("data", train=len(train_set), valid=len(valid_set), **token_shares(train_set, args))

    adapter_dir = Path(args.adapter_path)
    plan = RunPlan(
        adapter_dir=adapter_dir,
        start=int(spec.get("start_iteration") or 0),
        total=int(args.iters),
        save_every=int(args.save_every),
        measure_checkpoints=bool(spec.get("measure_checkpoints"))
        and len(valid_set) > 0
        and args.val_batches != 0,
        rank=world.rank(),
        validate_every=int(args.steps_per_eval),
    )
    if plan.start:
        writer.emit("resumed", from_iteration=plan.start, checkpoint=Path(args.resume_adapter_file).name)
    if plan.writes:
        write_adapter_config(args, adapter_dir)
    scratch = adapter_dir / ".mlx-lm-scratch"
    mlx_args = types.SimpleNamespace(**vars(args))
    mlx_args.adapter_path, mlx_args.iters, mlx_args.save_every = str(scratch), plan.total - plan.start, NEVER
    if spec.get("lr_schedule_now"):  # punie's own schedule, continued where a resumed run starts
        mlx_args.lr_schedule = spec["lr_schedule_now"]
    begun = time.perf_counter()
    signal.signal(signal.SIGTERM, _request_stop)
    # punie validates the weights each checkpoint holds (and every steps_per_eval) itself; mlx-lm
    # validates only the starting weights (its passes before a step measure no checkpoint's)
    shown = FirstOnly(valid_set) if plan.measure_checkpoints else valid_set
    callback = _callback(writer, model, valid_set, args, plan, objective, shown)
    with trainer_objective(objective):
        train_model(mlx_args, model, train_set, shown, callback)
    if plan.writes:  # rank 0 saved its final weights there
        shutil.rmtree(scratch, ignore_errors=True)
    flat: Any = tree_flatten(model.trainable_parameters())
    trainable = sum(value.size for _, value in flat)
    writer.emit(
        "done",
        train_seconds=time.perf_counter() - begun,
        trainable_parameters=int(trainable),
        peak_memory_gb=mx.get_peak_memory() / 1e9,
    )


def main() -> None:
    install_excepthook()  # an entry point: a PunieError is one line, as in the CLI
    spec = json.loads(Path(sys.argv[1]).read_text())
    # mlx.launch numbers its ranks in MLX_RANK; the others' reports repeat rank 0's (the losses
    # are summed across ranks), and their errors reach the launcher's log.
    rank = int(os.environ.get("MLX_RANK") or 0)
    events = spec["events_path"] if rank == 0 else os.devnull
    with open(events, "a", encoding="utf-8") as handle:
        writer = EventWriter(handle)
        try:
            run(spec, writer)
        except Exception as exc:
            writer.emit("error", message=f"{type(exc).__name__}: {exc}")
            raise


if __name__ == "__main__":
    main()
