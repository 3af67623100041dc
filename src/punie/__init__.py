"""punie: serve, benchmark, train, evaluate and journal a local coding-agent model on mlx-lm.

Importing punie changes nothing in the importing program (no excepthook, no logging set-up): the
CLI's entry point installs its own one-line error display.
"""

__version__ = "0.1.0"
