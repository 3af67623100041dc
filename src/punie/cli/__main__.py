"""`python -m punie.cli` runs the `punie` command."""

from punie.cli.app import main

main()
