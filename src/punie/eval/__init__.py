"""Eval: suites, pure scorers, the sandbox, the agent loop and the runner (issue 5, in progress)."""
