"""Pure scorers for reasoning answers and for extracting model-written code."""

from __future__ import annotations

import re
from dataclasses import dataclass

THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
# "the answer is (B)", "Answer: B", "option C"
STATED = re.compile(r"(?:answer(?: is)?|option|choice)\s*[:\-]?\s*\(?([A-Ea-e])\)?\b", re.IGNORECASE)
# a line that starts with a choice label: "B", "(B)", "B) Paris ...", "B. Paris", "B: Paris"
LABEL = re.compile(r"^\s*\(?([A-E])(?:\)|\.(?![A-Za-z])|:|\s*$)", re.MULTILINE)
FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|$)", re.DOTALL)


def strip_think(text: str) -> str:
    return THINK.sub("", text).strip()


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class AnswerScore:
    passed: bool
    extracted: str
    reason: str


def choice_letter(text: str) -> str:
    """Pure: the choice a response makes: the last one it states ("the answer is B"), else the
    label its lines start with ("B) Paris is ..."), when they name one choice only; a response
    that lists several labelled options and states none answers nothing."""
    stated = STATED.findall(text)
    if stated:
        return str(stated[-1]).upper()
    labels = {letter.upper() for letter in LABEL.findall(text)}
    return labels.pop() if len(labels) == 1 else ""


def score_answer(response: str, expected: str) -> AnswerScore:
    """Normalised exact match: numbers (commas, units, 8 == 8.0), choice letters, or short text."""
    text = strip_think(response)
    want = expected.strip()
    if _number(want) is not None:
        numbers = NUMBER.findall(text)
        if not numbers:
            return AnswerScore(False, "", "no number in the answer")
        got = numbers[-1]
        value = _number(got)
        ok = value is not None and abs(value - float(_number(want) or 0.0)) < 1e-9
        return AnswerScore(ok, got, "last number matches" if ok else f"last number {got}, expected {want}")
    if re.fullmatch(r"[A-Ea-e]", want):
        got = choice_letter(text)
        ok = got == want.upper()
        return AnswerScore(
            ok, got, "choice matches" if ok else f"choice {got or 'none'}, expected {want.upper()}"
        )
    norm = re.sub(r"[^a-z0-9 ]", "", text.lower()).split()
    target = re.sub(r"[^a-z0-9 ]", "", want.lower()).split()
    ok = bool(target) and (norm[-len(target) :] == target or norm[: len(target)] == target)
    return AnswerScore(ok, " ".join(norm[-len(target) :]), "answer matches" if ok else f"expected {want!r}")


def extract_code(response: str) -> str:
    """The Python code in a response: the fenced python block that defines the most, else all text."""
    text = strip_think(response)
    blocks = [(lang.lower(), body) for lang, body in FENCE.findall(text)]
    python = [body for lang, body in blocks if lang in ("", "python", "py", "python3")]
    if python:
        return max(python, key=lambda body: (body.count("def "), len(body))).strip() + "\n"
    return text + "\n"  # unfenced: run it as written; a SyntaxError then fails the tests
