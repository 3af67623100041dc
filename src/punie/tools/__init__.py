"""The agent's built-in tools, each declared once (`punie.tools.builtin`): name, JSON schema and
implementation, over a `Workspace`. The dataset generator, the eval suites and the agent loop all
take them from here; nothing else names a built-in tool to decide what it does."""
