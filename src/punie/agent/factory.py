"""`create_server_model`: a pydantic-ai model that talks to an OpenAI-compatible local server."""

from __future__ import annotations

from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.settings import ModelSettings

from punie.serve.config import SERVED_MODEL_NAME, ServerConfig

LOCAL_API_KEY = "punie-local"  # mlx_lm.server ignores keys; the OpenAI client insists on one


def server_model_settings(config: ServerConfig) -> ModelSettings:
    """Pure: per-request settings implied by `config` (the server has no flag for these)."""
    settings = ModelSettings()
    if config.repetition_penalty is not None:
        settings["extra_body"] = {"repetition_penalty": config.repetition_penalty}
    return settings


def create_server_model(config: ServerConfig, model_name: str = SERVED_MODEL_NAME) -> OpenAIChatModel:
    """An `OpenAIChatModel` at `config.base_url`.

    `model_name` defaults to the name `mlx_lm.server` gives the model it was started with; naming
    a path instead would make the server load that path a second time.
    """
    provider = OpenAIProvider(base_url=config.base_url, api_key=LOCAL_API_KEY)
    return OpenAIChatModel(model_name, provider=provider, settings=server_model_settings(config))
