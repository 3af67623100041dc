"""The seed's import paths (`punie.training...`), kept working as re-exports."""

from __future__ import annotations

from typing import Any

from punie.serve.config import ServerConfig, build_server_command
from punie.serve.process import ServerProcess

__all__ = ["ServerConfig", "ServerProcess", "build_server_command", "create_server_model"]


def __getattr__(name: str) -> Any:
    if name == "create_server_model":  # pydantic-ai is imported only when this is asked for
        from punie.agent.factory import create_server_model

        return create_server_model
    raise AttributeError(name)
