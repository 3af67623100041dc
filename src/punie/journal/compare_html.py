"""The standalone comparison page: inline CSS and SVG, no scripts, no network."""

from __future__ import annotations

from html import escape

from punie.eval.categories import label
from punie.eval.report import percent, points
from punie.journal.compare import Column, LossCurve, category_deltas, compare_runs, prompt_changes

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f4f4f4}
.up{color:#176f2c;font-weight:600}.down{color:#b3261e;font-weight:700}.flag{background:#fde2e1}
.warn{background:#fff3cd;border:1px solid #e0b400;padding:.6rem}svg{border:1px solid #ddd;margin:.5rem}
"""


def _delta(delta: float) -> str:
    cls = "up" if delta > 1e-9 else "down" if delta < -1e-9 else ""
    return f"<span class='{cls}'>{points(delta)}</span>"


def _table(headers: list[str], rows: list[list[str]], flags: list[bool] | None = None) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = ""
    for index, row in enumerate(rows):
        cls = " class='flag'" if flags and flags[index] else ""
        body += f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
    return f"<table><tr>{head}</tr>{body}</table>"


def loss_svg(curve: LossCurve, title: str, width: int = 420, height: int = 220) -> str:
    """Pure: an inline SVG line plot of train (blue) and validation (orange) loss."""
    samples = list(curve.train) + list(curve.val)
    if not samples:
        return ""
    xs, ys = [p[0] for p in samples], [p[1] for p in samples]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = 36

    def at(x: float, y: float) -> str:
        px = pad + (x - x0) / ((x1 - x0) or 1) * (width - 2 * pad)
        py = height - pad - (y - y0) / ((y1 - y0) or 1) * (height - 2 * pad)
        return f"{px:.1f},{py:.1f}"

    lines = []
    for series, colour in ((curve.train, "#1f77b4"), (curve.val, "#ff7f0e")):
        if series:
            path = " ".join(at(x, y) for x, y in series)
            lines.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' points='{path}'/>")
            lines += [
                f"<circle cx='{at(x, y).split(',')[0]}' cy='{at(x, y).split(',')[1]}' r='2.5' "
                f"fill='{colour}'/>"
                for x, y in series
            ]
    labels = (
        f"<text x='{pad}' y='16' font-size='12'>{escape(title)} — "
        f"<tspan fill='#1f77b4'>train</tspan> / <tspan fill='#ff7f0e'>validation</tspan> loss</text>"
        f"<text x='4' y='{pad}' font-size='10'>{y1:.2f}</text>"
        f"<text x='4' y='{height - pad}' font-size='10'>{y0:.2f}</text>"
        f"<text x='{pad}' y='{height - 8}' font-size='10'>iter {x0}</text>"
        f"<text x='{width - pad - 30}' y='{height - 8}' font-size='10'>iter {x1}</text>"
    )
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
    return f"{svg}{labels}{''.join(lines)}</svg>"


def render_compare_html(columns: list[Column], forced: tuple[str, ...] = ()) -> str:
    """Pure: the first column is the baseline; every other is compared with it. `forced`: why the
    runs are not comparable, when the user compared them anyway (shown first, in red)."""
    base = columns[0]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>punie compare</title>",
        f"<style>{STYLE}</style></head><body><h1>punie compare</h1>",
    ]
    if forced:
        parts.append(
            "<p class='down'><b>FORCED: these runs are not comparable</b> — "
            + "; ".join(escape(why) for why in forced)
            + "</p>"
        )
    parts.append(
        f"<p>Baseline: <b>{escape(base.label)}</b> — suite {escape(base.report.suite_name)} "
        f"({escape(base.report.suite_hash)})</p>"
    )
    for column in columns[1:]:
        if column.report.suite_hash != base.report.suite_hash:
            parts.append(
                f"<p class='warn'>{escape(column.label)} ran another suite "
                f"({escape(column.report.suite_hash)}): categories are not comparable.</p>"
            )
    categories = list(base.report.score_by_category())
    headers = ["category", escape(base.label)] + [
        f"{escape(c.label)} (Δ pts; paired test)" for c in columns[1:]
    ]
    rows, flags = [], []
    for category in [*categories, "overall"]:
        row = [escape(label(category, base.report.labels))]
        flagged = False
        for index, column in enumerate(columns):
            scores = {**column.report.score_by_category(), "overall": column.report.overall_score}
            value = scores.get(category)
            base_value = {**base.report.score_by_category(), "overall": base.report.overall_score}[category]
            interval = column.report.intervals().get(category)
            bars = f"<br><small>{escape(interval.text().split(' ', 1)[1])}</small>" if interval else ""
            if value is None:
                row.append("—")
            elif index == 0:
                row.append(percent(value) + bars)
            else:
                delta = next(
                    (d for d in category_deltas(base.report, column.report) if d.category == category), None
                )
                test = f"<br><small>{escape(delta.test.text())}</small>" if delta else ""
                row.append(f"{percent(value)} ({_delta(value - base_value)}){bars}{test}")
                flagged = flagged or (delta.regressed if delta else False)
        rows.append(row)
        flags.append(flagged)
    parts.append(
        "<h2>Scores by category</h2><p>Each score with its 95% Wilson interval and n; each change with "
        "McNemar's exact test over the prompts both runs scored (a change counts only at p &lt; 0.05).</p>"
        + _table(headers, rows, flags)
    )
    for column in columns[1:]:
        decision = compare_runs(base.report, column.report)
        deltas = category_deltas(base.report, column.report) if decision.outcome != "incomplete" else []
        regressions = [d.category for d in deltas if d.regressed]
        warn = f" <span class='down'>REGRESSION in {', '.join(regressions)}</span>" if regressions else ""
        parts.append(f"<p><b>{escape(column.label)}</b>: {escape(decision.text())}{warn}</p>")
        proof = column.report.adapter_proof
        if proof is not None:
            cls = "warn" if proof.suspicious else ""
            parts.append(
                f"<p class='{cls}'>Adapter proof: {proof.changed}/{proof.compared} responses "
                f"differ from the baseline.</p>"
            )
    failure_names = sorted({f for c in columns for f in c.report.failure_classes()})
    failure_rows = [
        [escape(f)] + [str(c.report.failure_classes().get(f, 0)) for c in columns] for f in failure_names
    ]
    parts.append(
        "<h2>Failure classes</h2>" + _table(["failure"] + [escape(c.label) for c in columns], failure_rows)
    )
    source_names = sorted({s for c in columns for s in c.report.call_sources()})
    source_rows = [
        [escape(s)] + [str(c.report.call_sources().get(s, 0)) for c in columns] for s in source_names
    ]
    parts.append(
        "<h2>Tool calls: structured vs text</h2>"
        + _table(["source"] + [escape(c.label) for c in columns], source_rows)
    )
    curves = [loss_svg(c.curve, c.label) for c in columns if c.curve is not None]
    if curves:
        parts.append("<h2>Training loss</h2>" + "".join(curves))
    for column in columns[1:]:
        changes = prompt_changes(base.report, column.report)
        rows = [
            [escape(pid), "pass" if before else "fail", "pass" if now else "fail", escape(reason)]
            for pid, before, now, reason in changes
        ]
        parts.append(
            f"<h2>Prompts that changed: {escape(column.label)}</h2>"
            + _table(["prompt", "baseline", "now", "reason now"], rows or [["none", "", "", ""]])
        )
    parts.append("</body></html>\n")
    return "".join(parts)
