"""Eval: suites, pure scorers, the sandbox, the agent loop, the runner and its reports.

    from punie.eval import load_suite, EvalRunConfig, run_evaluation, score_prompt

Names load on first use, so importing one piece does not import the runner and its HTTP stack.
"""

from __future__ import annotations

from punie.lazy_names import lazy_getattr

_WHERE = {
    "EvalPrompt": "suite",
    "EvalSuite": "suite",
    "load_suite": "suite_load",
    "EvalResult": "score",
    "score_prompt": "score",
    "EvalReport": "report",
    "load_report": "report",
    "RecordedResponse": "response",
    "Turn": "response",
    "EvalRunConfig": "run_config",
    "run_evaluation": "runner",
}
__all__ = sorted(_WHERE)


__getattr__ = lazy_getattr(__name__, _WHERE)
