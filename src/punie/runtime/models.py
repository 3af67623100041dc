"""Model names: the embedded alias, a model `punie fuse` registered, a local MLX directory, or a hub
id that must already be cached. The embedded models themselves are declared in `embedded.py`
(re-exported here)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from punie.errors import ModelNotAvailableError, UsageError
from punie.runtime.embedded import (
    DEFAULT_MODEL,
    EMBEDDED,
    VARIANT_FOR,
    EmbeddedModel,
    Purpose,
    Variant,
    embedded_dir,
)

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class ResolvedModel:
    """A model name turned into a directory mlx-lm can load."""

    name: str
    path: Path
    alias: str | None = None
    variant: Variant | None = None


def hub_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Pure but for the home directory: where the Hugging Face hub cache is (HF_HUB_CACHE, HF_HOME)."""
    env = os.environ if env is None else env
    hub = env.get("HF_HUB_CACHE") or str(
        Path(env.get("HF_HOME") or Path.home() / ".cache" / "huggingface") / "hub"
    )
    return Path(hub)


def hub_cache_snapshot(hub_id: str, env: dict[str, str] | None = None) -> Path | None:
    """The newest cached snapshot of `hub_id` in the Hugging Face cache, if any."""
    snapshots = hub_cache_dir(env) / ("models--" + hub_id.replace("/", "--")) / "snapshots"
    if not snapshots.is_dir():
        return None
    found = [p for p in snapshots.iterdir() if (p / "config.json").is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def classify(name: str) -> Literal["alias", "path", "hub", "unknown"]:
    """Pure: what kind of model name this is (a path that exists wins over a hub id)."""
    if name in EMBEDDED:
        return "alias"
    if Path(name).expanduser().exists() or name.startswith((".", "/", "~")):
        return "path"
    if HUB_ID.match(name):
        return "hub"
    return "unknown"


def resolve_model(
    name: str | None,
    purpose: Purpose = "serve",
    progress: Callable[[str], None] | None = None,
) -> ResolvedModel:
    """Turn an alias, directory or cached hub id into a loadable directory.

    The embedded alias is prepared on first use. Anything else that is not on disk fails at once
    with a message naming what is available offline.
    """
    name = name or DEFAULT_MODEL
    kind = classify(name)
    if kind == "alias":
        from punie.runtime.prepare import prepare_embedded

        variant = VARIANT_FOR[purpose]
        path = prepare_embedded(EMBEDDED[name], variant, progress=progress)
        return ResolvedModel(name=name, path=path, alias=name, variant=variant)
    if kind != "path":
        from punie.runtime.registry import registered_dir

        registered = registered_dir(name)  # a model `punie fuse` made
        if registered is not None:
            return ResolvedModel(name=name, path=registered)
    if kind == "path":
        path = Path(name).expanduser().resolve()
        if not path.is_dir():
            raise UsageError(f"model directory not found: {name}")
        from punie.runtime.model_dir_check import check_model_dir

        check_model_dir(path)
        return ResolvedModel(name=name, path=path)
    if kind == "hub":
        snapshot = hub_cache_snapshot(name)
        if snapshot is None:
            raise ModelNotAvailableError(
                f"model {name!r} is not available offline (not in the Hugging Face cache, and this "
                f"machine cannot download it); the embedded model is available as "
                f"{DEFAULT_MODEL!r}"
            )
        from punie.runtime.model_dir_check import check_model_dir

        check_model_dir(snapshot)
        return ResolvedModel(name=name, path=snapshot)
    known = ", ".join(sorted(EMBEDDED))
    raise UsageError(
        f"unknown model {name!r}: use an alias ({known}), a name `punie model list` shows, an MLX "
        "directory or a hub id"
    )


__all__ = [
    "DEFAULT_MODEL",
    "EMBEDDED",
    "VARIANT_FOR",
    "EmbeddedModel",
    "Purpose",
    "ResolvedModel",
    "Variant",
    "classify",
    "embedded_dir",
    "hub_cache_dir",
    "hub_cache_snapshot",
    "resolve_model",
]
