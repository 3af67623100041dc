"""Pure: names every tracker's store accepts, for runs and artifacts."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def safe_name(text: str) -> str:
    """`text` as a name every tracker accepts for a run or an artifact (letters, digits, `_.-`)."""
    return _UNSAFE.sub("-", text).strip("-.") or "run"
