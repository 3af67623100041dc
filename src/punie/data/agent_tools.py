"""JSON schemas of the agent's tools: declared once in `punie.tools.builtin` (re-exported here)."""

from punie.tools.builtin import AGENT_TOOLS

__all__ = ["AGENT_TOOLS"]
