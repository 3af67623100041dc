"""Ship an adapter: fuse it into its base model, quantize it, export a GGUF (mlx-lm does the work)."""
