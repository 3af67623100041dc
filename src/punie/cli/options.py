"""Help texts of options that several commands share, written once."""

UNSAFE_EXEC_HELP = (
    "Run model-written code (hidden tests, run_command) WITHOUT OS isolation where none is available; "
    "recorded in report.json and the journal."
)
