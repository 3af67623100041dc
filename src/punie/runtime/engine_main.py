"""Run an mlx-lm entry point on the device the parent chose.

Usage: python -m punie.runtime.engine_main MODULE [ARGS...]   (e.g. `mlx_lm server --port 0`)

MLX has no environment variable for its default device, so engine children start here: the
device from `PUNIE_DEVICE` is applied, then MODULE runs as `python -m MODULE ARGS` would.
"""

from __future__ import annotations

import runpy
import sys

from punie.errors import install_excepthook
from punie.runtime.device import apply_in_child


def main() -> None:
    install_excepthook()  # an entry point: a PunieError is one line, as in the CLI
    module, args = sys.argv[1], sys.argv[2:]
    apply_in_child()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
