"""Where `Workspace` used to live: it is declared in `punie.tools.workspace` (a re-export)."""

from punie.tools.workspace import Workspace

__all__ = ["Workspace"]
