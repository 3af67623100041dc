"""punie: serve, benchmark, train, evaluate and journal a local coding-agent model on mlx-lm."""

__version__ = "0.1.0"

from punie.errors import install_excepthook

install_excepthook()
