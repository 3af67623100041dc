"""Copying one slot's prompt cache into a llama.cpp server's other slots.

llama.cpp's server keeps one KV cache per slot and shares no prefix between slots: with 16 slots,
the first wave of the built-in suite's tool-calling prompts computes the same system prompt and
tool schemas (about 340 tokens) sixteen times over. Its slot API saves one slot's cache to a
file and restores that file into another slot (`--slot-save-path`, `POST /slots/N?action=save`
and `?action=restore`); a prompt then goes to the slot holding the longest match for it and
computes only what follows the shared prefix. Measured in benchmarks/README.md.

Both of punie's llama.cpp engines save into `slot_dir()`; a copy's file is named for it alone and
removed once restored, so servers sharing the directory never read each other's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from punie.runtime.paths import punie_home


def slot_dir() -> Path:
    """Where punie's llama.cpp servers save slot caches (made before a server starts)."""
    return punie_home() / "runtime" / "slots"


@dataclass(frozen=True)
class SlotCopy:
    tokens: int  # what the copied cache holds
    slots: int  # how many slots now hold it, the source included


def server_root(base_url: str) -> str:
    """Pure: the server's own root (the slot API lives beside /v1, not under it)."""
    url = base_url.rstrip("/")
    return url.removesuffix("/v1")


async def slot_count(http: httpx.AsyncClient, root: str, headers: dict[str, str]) -> int:
    """How many slots the server runs (`GET /slots`)."""
    response = await http.get(f"{root}/slots", headers=headers)
    response.raise_for_status()
    slots = response.json()
    if not isinstance(slots, list):
        raise ValueError(f"GET /slots returned {type(slots).__name__}, not a list")
    return len(slots)


async def copy_slot(
    http: httpx.AsyncClient, root: str, headers: dict[str, str], source: int, count: int, directory: Path
) -> SlotCopy:
    """Save slot `source`'s cache and restore it into the server's other `count - 1` slots.

    Raises httpx.HTTPError (or ValueError on an answer without the saved token count) when the
    server refuses; the file is removed either way."""
    name = f"punie-{uuid.uuid4().hex}.bin"
    try:
        saved = await http.post(
            f"{root}/slots/{source}?action=save", json={"filename": name}, headers=headers
        )
        saved.raise_for_status()
        tokens = saved.json().get("n_saved")
        if not isinstance(tokens, int):
            raise ValueError(f"the slot save answered without n_saved: {saved.text[:200]}")
        for slot in range(count):
            if slot != source:
                restored = await http.post(
                    f"{root}/slots/{slot}?action=restore", json={"filename": name}, headers=headers
                )
                restored.raise_for_status()
        return SlotCopy(tokens, count)
    finally:
        (directory / name).unlink(missing_ok=True)
