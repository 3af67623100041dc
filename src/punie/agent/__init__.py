"""The agent under test: a pydantic-ai model pointed at a managed server, and its tools.

`create_server_model` is imported on first use, so the tools and the eval harness load without
pydantic-ai's import cost (and on machines where only the engine is installed).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_server_model"]


def __getattr__(name: str) -> Any:
    if name == "create_server_model":
        from punie.agent.factory import create_server_model

        return create_server_model
    raise AttributeError(name)
