"""The seed's import paths (`punie.training...`), kept working as re-exports."""

from punie.agent.factory import create_server_model
from punie.serve.config import ServerConfig, build_server_command
from punie.serve.process import ServerProcess

__all__ = ["ServerConfig", "ServerProcess", "build_server_command", "create_server_model"]
