"""Help texts of options that several commands share, written once (the training and launch
options are generated in `train_options.py`)."""

from __future__ import annotations

UNSAFE_EXEC_HELP = (
    "Run model-written code (hidden tests, run_command) WITHOUT OS isolation where none is available; "
    "recorded in report.json and the journal."
)
TIMEOUT_HELP = (
    "Seconds per eval prompt (default: scaled to the generation speed measured at start). A prompt "
    "that times out is incomplete, never a model failure; --resume / rerunning retries it."
)
ENGINE_HELP = (
    "Which server answers the eval: auto | mlx | llama.cpp | llama-server (auto, on Linux for the "
    "embedded model or a .gguf: a native llama-server when one is installed, else llama.cpp from the "
    "xllamacpp wheel, both faster than mlx there; mlx elsewhere). Recorded in every report; a "
    "comparison never mixes engines."
)
