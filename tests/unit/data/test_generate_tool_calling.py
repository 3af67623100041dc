import pytest

from punie.data.generate_tool_calling import generate_tool_calling


def _roles(row: dict) -> list[str]:
    return [m["role"] for m in row["messages"]]


def test_every_tool_request_ends_at_its_call_and_a_share_adds_the_whole_trajectory() -> None:
    calls_only = generate_tool_calling(60, seed=1, whole_share=0.0)
    assert not any("tool" in _roles(row) for row in calls_only)
    assert any(row["messages"][-1].get("tool_calls") for row in calls_only)
    whole = generate_tool_calling(60, seed=1, whole_share=1.0)
    trajectories = [row for row in whole if _roles(row) == ["user", "assistant", "tool", "assistant"]]
    endings = [row for row in whole if row["messages"][-1].get("tool_calls")]
    assert trajectories and abs(len(trajectories) - len(endings)) <= 1  # one of each per request
    with pytest.raises(ValueError, match="whole_share"):
        generate_tool_calling(4, whole_share=1.5)


def test_commands_paths_and_phrasings_vary() -> None:
    rows = generate_tool_calling(300, seed=2, whole_share=0.0)

    def argument(row: dict, name: str) -> str:
        arguments = row["messages"][-1]["tool_calls"][0]["function"]["arguments"]
        return str(arguments[name] if isinstance(arguments, dict) else arguments)

    commands = {argument(row, "command") for row in rows if row.get("category") == "run_command"}
    paths = {argument(row, "path") for row in rows if row.get("category") == "read_file"}
    assert len(commands) >= 10 and len(paths) >= 15
