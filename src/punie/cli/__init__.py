"""The `punie` command line: one small module per command group, all output through `ui`."""
