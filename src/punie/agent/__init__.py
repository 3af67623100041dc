"""The agent under test: a pydantic-ai model pointed at a managed server, and its tools."""

from punie.agent.factory import create_server_model

__all__ = ["create_server_model"]
