"""The experiment journal: an append-only JSONL ledger (the source of truth) rendered as JOURNAL.md."""
