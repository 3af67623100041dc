"""Seed path `punie.training.server`: re-exports `punie.serve.process`."""

from punie.serve.process import ServerProcess

__all__ = ["ServerProcess"]
