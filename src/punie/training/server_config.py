"""Seed path `punie.training.server_config`: re-exports `punie.serve.config`."""

from punie.serve.config import ServerConfig, build_server_command

__all__ = ["ServerConfig", "build_server_command"]
