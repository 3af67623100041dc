from punie.eval.response import RecordedResponse, Turn
from punie.eval.score import EvalResult, score_prompt
from punie.eval.suite_load import load_suite

SUITE = load_suite("builtin")


def structured(name: str, arguments: str) -> dict[str, object]:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}


def test_structured_call_passes_and_text_call_is_its_own_failure() -> None:
    prompt = SUITE.get("tool-read-readme")
    good = RecordedResponse((Turn("", (structured("read_file", '{"path": "README.md"}'),), "tool_calls"),))
    result = score_prompt(prompt, good)
    assert result.passed and result.call_source == "structured" and result.score == 1.0
    text = RecordedResponse(
        (Turn('<tool_call>{"name": "read_file", "arguments": {"path": "README.md"}}</tool_call>'),)
    )
    result = score_prompt(prompt, text)
    assert not result.passed and result.failure == "text_only_call" and result.call_source == "text"


def test_calls_over_several_turns_are_scored_in_order() -> None:
    prompt = SUITE.get("tool-read-app")
    response = RecordedResponse(
        (
            Turn("", (structured("read_file", '{"path": "./src/app.py"}'),), "tool_calls", ("def greet",)),
            Turn("It defines greet."),
        )
    )
    result = score_prompt(prompt, response)
    assert result.passed and result.response_text == "It defines greet."


def test_no_tool_prompt_fails_when_a_tool_is_called() -> None:
    prompt = SUITE.get("tool-none-math")
    assert score_prompt(prompt, RecordedResponse((Turn("42"),))).passed
    called = RecordedResponse(
        (Turn("", (structured("run_command", '{"command": "echo 42"}'),), "tool_calls"),)
    )
    assert score_prompt(prompt, called).failure == "call_when_none_wanted"


def test_code_runs_hidden_tests_in_the_sandbox() -> None:
    prompt = SUITE.get("code-add")
    good = RecordedResponse((Turn("Here:\n```python\ndef add(a, b):\n    return a + b\n```"),))
    assert score_prompt(prompt, good).passed
    wrong = score_prompt(
        prompt, RecordedResponse((Turn("```python\ndef add(a, b):\n    return a - b\n```"),))
    )
    assert wrong.failure == "tests_failed" and "AssertionError" in wrong.reason
    missing = score_prompt(prompt, RecordedResponse((Turn("I cannot do that."),)))
    assert missing.failure == "tests_failed"


def test_code_timeouts_are_counted_apart() -> None:
    from punie.sandbox import SandboxLimits

    prompt = SUITE.get("code-add")
    loop = RecordedResponse((Turn("```python\ndef add(a, b):\n    while True:\n        pass\n```"),))
    result = score_prompt(prompt, loop, SandboxLimits(wall_seconds=2, cpu_seconds=5))
    assert result.failure == "tests_timeout"


def test_reasoning_strips_think_and_matches_numbers_and_letters() -> None:
    assert score_prompt(
        SUITE.get("reason-apples"), RecordedResponse((Turn("<think>3+4=8?</think>7 apples"),))
    ).passed
    assert score_prompt(SUITE.get("reason-capital"), RecordedResponse((Turn("The answer is B"),))).passed
    wrong = score_prompt(SUITE.get("reason-multiply"), RecordedResponse((Turn("41"),)))
    assert wrong.failure == "wrong_answer"


def test_request_errors_keep_their_class_and_results_round_trip() -> None:
    result = score_prompt(SUITE.get("reason-half"), RecordedResponse((), "timeout", "no answer in 5 s"))
    assert result.failure == "timeout" and result.reason == "no answer in 5 s" and not result.passed
    assert EvalResult.from_dict(result.to_dict()) == result


def test_keywords_are_a_secondary_signal_only() -> None:
    prompt = SUITE.get("tool-none-math")
    result = score_prompt(prompt, RecordedResponse((Turn("The sum is 42"),)))
    assert result.keyword_hits == 1.0
    assert score_prompt(SUITE.get("reason-half"), RecordedResponse((Turn("25"),))).keyword_hits is None
