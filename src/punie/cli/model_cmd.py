"""`punie model prepare | list | remove`."""

from __future__ import annotations

from pathlib import Path

import typer

from punie.cli import ui
from punie.runtime.embedded import VARIANT_FOR
from punie.runtime.models import DEFAULT_MODEL, EMBEDDED, resolve_model
from punie.runtime.paths import models_dir
from punie.runtime.prepare import prepared_models
from punie.runtime.registry import read_registry, unregister

app = typer.Typer(help="Prepare, list and remove models.", no_args_is_help=True)
VARIANTS = ", ".join(f"{variant} to {purpose}" for purpose, variant in VARIANT_FOR.items())


@app.command("prepare", help=f"Convert the embedded GGUF into an MLX directory ({VARIANTS}).")
def prepare(
    model: str = typer.Argument(DEFAULT_MODEL, help="Embedded model alias."),
) -> None:
    if model not in EMBEDDED:
        raise typer.BadParameter(f"{model!r} is not an embedded alias ({', '.join(EMBEDDED)})")
    for purpose in ("serve", "train"):
        resolved = resolve_model(model, purpose, progress=ui.step)  # type: ignore[arg-type]
        ui.result(f"{model} {resolved.variant}: {resolved.path}")


@app.command("list")
def list_models() -> None:
    """Show prepared models with their size and variant, and the models `punie fuse` registered."""
    rows = [
        (alias, variant, f"{size / 1e6:.0f} MB", str(path))
        for alias, variant, path, size in prepared_models(models_dir())
    ]
    if not rows:
        ui.info(f"no prepared models in {models_dir()} (run `punie model prepare`)")
    else:
        ui.table("Prepared models", ("alias", "variant", "size", "path"), rows)
    fused = [
        (m.name, m.kind, m.base, m.path + ("" if Path(m.path).is_dir() else "  (missing)"))
        for m in read_registry().values()
    ]
    if fused:
        ui.table("Registered models (punie fuse)", ("name", "kind", "base", "path"), fused)


@app.command("remove")
def remove(name: str = typer.Argument(..., help="A name `punie fuse` registered.")) -> None:
    """Forget a registered model name (its files stay where they are)."""
    entry = unregister(name)
    ui.result(f"removed {name!r} from the registry; its files stay at {entry.path}")
