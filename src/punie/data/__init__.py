"""Data: chat datasets in the JSONL layout mlx-lm and Hugging Face read."""
