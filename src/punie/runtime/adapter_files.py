"""The files of an adapter directory, as mlx-lm writes and reads them: declared once for training
(which writes them), serving (which checks and loads them) and experiments (which reuse them)."""

ADAPTER_WEIGHTS = "adapters.safetensors"  # what mlx-lm writes and `--adapter-path` loads
ADAPTER_CONFIG = "adapter_config.json"
CHECKPOINT_SUFFIX = "_adapters.safetensors"  # `{iteration:07d}_adapters.safetensors`
