"""Train: LoRA training in a child process driven through mlx-lm's own trainer, and benchmarks."""
