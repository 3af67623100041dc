import pytest

from punie.eval.answer_score import extract_code, score_answer, strip_think


@pytest.mark.parametrize(
    ("response", "expected", "ok"),
    [
        ("7 times 8 is 56.", "56", True),
        ("The total is 1,250 dollars.", "1250", True),
        ("It takes 8.0 hours", "8", True),
        ("7 times 8 = 54.", "56", False),
        ("<think>maybe 54? no: 56</think>The answer is 56", "56", True),
        ("<think>it is 56</think>The answer is 54", "56", False),
        ("The answer is (B).", "B", True),
        ("A) Mercury is the closest planet to the Sun.", "A", True),
        ("B. Paris", "B", True),
        ("(C)", "C", True),
        ("A) Berlin\n\nThe correct answer is A) Berlin.", "B", False),
        ("A) 9\nB) 31\nC) 17", "B", False),  # the options listed, none chosen
        ("A) 9\nB) 31\nC) 17\n\nThe answer is B) 31.", "B", True),
        ("A dog has 4 legs.", "A", False),  # an article, not a label
        ("E.g. the answer is unclear", "E", False),
        ("Answer: c", "C", True),
        ("B", "B", True),
        ("I think A is wrong, the answer is D", "B", False),
        ("The capital of France is Paris.", "Paris", True),
        ("No idea.", "Paris", False),
        ("There are no numbers here", "3", False),
    ],
)
def test_score_answer(response: str, expected: str, ok: bool) -> None:
    assert score_answer(response, expected).passed is ok


def test_strip_think_unclosed() -> None:
    assert strip_think("<think>still thinking") == ""


def test_extract_code_prefers_the_python_block_with_definitions() -> None:
    response = "Here:\n```bash\npip install x\n```\n```python\ndef add(a, b):\n    return a + b\n```\nDone."
    assert extract_code(response) == "def add(a, b):\n    return a + b\n"
    assert extract_code("def f():\n    return 1") == "def f():\n    return 1\n"
    assert extract_code("```\nx = 1\n") == "x = 1\n"
