"""A standalone `report.html` for one run: inline CSS, no scripts, no network."""

from __future__ import annotations

import json
import re
from html import escape

from punie.eval.categories import label
from punie.eval.report import EvalReport, percent
from punie.eval.score import EvalResult

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass{color:#176f2c;font-weight:600}.fail{color:#b3261e;font-weight:600}
.warn{background:#fff3cd;border:1px solid #e0b400;padding:.6rem}
pre{white-space:pre-wrap;margin:0;max-width:40rem}
"""


def _rows(rows: list[list[str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><tr>{head}</tr>{_rows(rows)}</table>"


TURN_IN_REASON = re.compile(r"user turn (\d+)")


def failing_turn(reason: str) -> int | None:
    """Pure: the user turn (from 1) a multi-turn verdict's reason names, if any."""
    found = TURN_IN_REASON.search(reason)
    return int(found[1]) if found else None


def _turns(result: EvalResult) -> str:
    """One multi-turn prompt, user turn by user turn: the message, each call with its result, the
    model's last words; the failing turn marked, with the first difference."""
    failing = None if result.passed else failing_turn(result.reason)
    verdict = "<span class='pass'>pass</span>" if result.passed else "<span class='fail'>fail</span>"
    rows = []
    for number, turn in enumerate(result.turns, start=1):
        steps = [
            f"{escape(c['name'])}({escape(json.dumps(c['arguments'], sort_keys=True))}) → {escape(res[:400])}"
            for step in turn.get("steps", [])
            for c, res in zip(step["calls"], [*step["results"], *[""] * len(step["calls"])], strict=False)
        ]
        mark = f"<span class='fail'>{escape(result.reason)}</span>" if number == failing else ""
        rows.append(
            [
                str(number),
                f"<pre>{escape(turn.get('user', ''))}</pre>",
                f"<pre>{chr(10).join(steps) or 'no call'}</pre>",
                f"<pre>{escape(turn.get('said', ''))}</pre>",
                mark,
            ]
        )
    title = f"<h3>{escape(result.id)}: {verdict} {escape(result.failure or '')}</h3>"
    return title + _table(["turn", "user", "calls → results", "model said", "first difference"], rows)


def render_report_html(report: EvalReport) -> str:
    """Pure: the page for `report`."""
    title = f"punie eval: {report.model}" + (f" + {report.adapter}" if report.adapter else "")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"]
    parts.append(f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>")
    if not report.complete:
        why = escape(report.error or "not every prompt has a result")
        done = f"{len(report.results)} of {report.prompt_count} prompts"
        parts.append(f"<p class='warn'>Partial report: {done}. {why}</p>")
    proof = report.adapter_proof
    if proof is not None:
        cls = "warn" if proof.suspicious else ""
        parts.append(f"<p class='{cls}'>{escape(proof.text())} ({percent(proof.changed_share)}).</p>")
    summary = [
        ["Overall score (mean of categories)", percent(report.overall_score)],
        ["Success rate (all prompts)", percent(report.success_rate)],
        ["Suite", f"{escape(report.suite_name)} ({escape(report.suite_hash)})"],
        ["Chat template", escape(str(report.chat_template_hash))],
        ["Settings", f"<pre>{escape(json.dumps(report.settings, indent=1))}</pre>"],
        ["Versions", escape(", ".join(f"{k} {v}" for k, v in report.versions.items()))],
        ["Wall time", f"{report.seconds:.1f} s"],
    ]
    keyword = report.keyword_score()
    if keyword is not None:
        summary.append(["Keyword presence (secondary)", percent(keyword)])
    parts.append("<h2>Summary</h2>" + _table(["", ""], summary))
    intervals = report.intervals()
    categories = [
        [
            escape(label(c, report.labels)),
            percent(s),
            f"{100 * intervals[c].low:.1f}–{100 * intervals[c].high:.1f}%",
            str(intervals[c].n),
        ]
        for c, s in report.score_by_category().items()
    ]
    parts.append(
        "<h2>By category</h2>"
        + _table(["category", "score", "95% interval (Wilson)", "n scored"], categories)
    )
    failures = [[escape(name), str(n)] for name, n in report.failure_classes().items()]
    parts.append("<h2>Failure classes</h2>" + _table(["failure", "prompts"], failures or [["none", "0"]]))
    sources = [[escape(name), str(n)] for name, n in report.call_sources().items()]
    parts.append("<h2>Where tool calls came from</h2>" + _table(["source", "prompts"], sources))
    rows = []
    for r in report.results:
        verdict = "<span class='pass'>pass</span>" if r.passed else "<span class='fail'>fail</span>"
        calls = escape(json.dumps(list(r.calls))) if r.calls else ""
        rows.append(
            [
                escape(r.id),
                escape(r.category),
                verdict,
                escape(r.failure or ""),
                escape(r.reason),
                f"<pre>{calls}</pre>",
                f"<pre>{escape(r.response_text)}</pre>",
            ]
        )
    headers = ["prompt", "category", "result", "failure", "reason", "parsed calls", "response"]
    parts.append("<h2>Prompts</h2>" + _table(headers, rows))
    if any(r.turns for r in report.results):
        parts.append("<h2>Turn by turn</h2>")
    parts += [_turns(r) for r in report.results if r.turns]
    parts.append("</body></html>\n")
    return "".join(parts)
