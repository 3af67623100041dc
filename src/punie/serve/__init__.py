"""Serve: a managed `mlx_lm.server` (config, command, lifecycle)."""

from punie.serve.config import ServerConfig, build_server_command
from punie.serve.process import ServerProcess

__all__ = ["ServerConfig", "ServerProcess", "build_server_command"]
