"""Models punie made (fused adapters, their quantized copies), registered by name so `serve`,
`eval --model` and experiments accept the name as they accept the embedded alias.

The registry is one JSON object in the models directory, `{name: entry}`, rewritten atomically
under a lock; an entry whose directory is gone is reported as missing, never silently skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from punie.errors import UsageError
from punie.runtime.atomic import write_json_atomic
from punie.runtime.file_lock import exclusive_lock, lock_beside
from punie.runtime.paths import models_dir

REGISTRY = "registry.json"
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    path: str  # absolute
    kind: str  # "fused" | "q4" | "q8"
    base: str  # the base model as the user named it
    adapter: str  # the adapter directory it was fused from
    created: str

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise UsageError(
                f"model name {self.name!r}: use lower-case letters, digits, '.', '_' and '-' (at most 80)"
            )


def registry_path(root: Path | None = None) -> Path:
    return (root or models_dir()) / REGISTRY


def read_registry(root: Path | None = None) -> dict[str, RegisteredModel]:
    path = registry_path(root)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: RegisteredModel(**entry) for name, entry in data.items()}
    except (json.JSONDecodeError, TypeError, AttributeError) as exc:
        raise UsageError(f"{path}: not a punie model registry ({exc}); move it aside to start anew") from None


def register(model: RegisteredModel, root: Path | None = None) -> None:
    """Add or replace `model.name` (a later fuse under the same name wins)."""
    path = registry_path(root)
    with exclusive_lock(lock_beside(path)):
        entries = read_registry(root)
        entries[model.name] = model
        write_json_atomic(path, {name: asdict(entry) for name, entry in sorted(entries.items())})


def check_free(names: tuple[str, ...], adapter: str, force: bool, root: Path | None = None) -> None:
    """Refuse to re-point a registered name at another model, unless `force`: a fuse under a name
    already taken used to replace it silently. Fusing the same adapter again is not a change."""
    entries = read_registry(root)
    for name in names:
        entry = entries.get(name)
        if entry is not None and entry.adapter != adapter and not force:
            raise UsageError(
                f"model name {name!r} is registered already (fused from {entry.adapter}, at {entry.path}): "
                "choose another --name, `punie model remove` it, or give --force to re-point it"
            )


def unregister(name: str, root: Path | None = None) -> RegisteredModel:
    """Remove `name` from the registry (its files stay); the entry it had."""
    path = registry_path(root)
    with exclusive_lock(lock_beside(path)):
        entries = read_registry(root)
        if name not in entries:
            known = ", ".join(sorted(entries)) or "none"
            raise UsageError(f"model {name!r} is not registered (registered: {known})")
        removed = entries.pop(name)
        write_json_atomic(path, {n: asdict(e) for n, e in sorted(entries.items())})
    return removed


def registered_dir(name: str, root: Path | None = None) -> Path | None:
    """The directory registered under `name`, or None when the name is not registered."""
    entry = read_registry(root).get(name)
    if entry is None:
        return None
    path = Path(entry.path)
    if not path.is_dir():
        raise UsageError(f"model {name!r} is registered at {path}, which no longer exists")
    return path
