"""The gap analysis report: where the strategy has no KCC commitment or action behind it.

Every fact in the report comes from a canned query under queries/ (the gap queries, the
directorate x outcome matrix, the counts and the source documents): there is no second
implementation of any question here, only layout. `gap_report` runs the queries and
returns a plain dict; `render` turns it into HTML (self-contained, printable, heat map as
inline SVG), Markdown, CSV (one row per gap item) or JSON.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
from pathlib import Path

from .queries import QueryError, run_query, to_csv, to_markdown

FORMATS = ("html", "md", "csv", "json")

# (query, title, what it means). Order = order in the report.
SECTIONS = (
    ("outcomes-without-actions", "Shared outcomes with no new action",
     "No Appendix B new action names these outcomes. 'commitments' counts the current activity "
     "(Appendix A) under them: 0 means nothing at all in the delivery plan."),
    ("priorities-without-commitments", "Priorities with no commitment",
     "No directorate recorded an Appendix A commitment under these priorities (new actions name "
     "outcomes, not priorities)."),
    ("enablers-without-actions", "Enablers with no new action",
     "No Appendix B new action sits under these cross-cutting enablers."),
    ("thin-coverage", "Thin coverage",
     "Outcomes, priorities, enablers and directorates with some, but at most {threshold}, commitments "
     "and actions behind them, fewest first. 'covered_by' lists what there is."),
    ("indicators-without-actions", "Strategy indicators nothing works towards",
     "No directorate tracks these indicators in its logframe, and no new action names the indicator's "
     "outcome with the indicator's topic (or a narrower one)."),
    ("directorates-without-actions", "Directorates with no new action",
     "These directorates own no Appendix B new action ('commitments' counts their Appendix A rows)."),
    ("incomplete-actions", "Actions missing a measure, a lead or a readable date",
     "'missing' says what is absent; the timescale is shown as written."),
    ("overdue-actions", "Actions past their due date with no recorded progress",
     "Due before {as_of} and no progress recorded in actions.csv."),
    ("commitments-without-mechanisms", "Commitments with no plan, service or programme named",
     "The 'delivered through' cell of these Appendix A rows names no delivery mechanism."),
)
EVIDENCE = ("source", "pages", "lines", "page", "line")
HIDDEN = EVIDENCE + ("directorate_id",)
ID_COLUMN = {"outcomes-without-actions": "outcome", "priorities-without-commitments": "priority",
             "enablers-without-actions": "enabler", "thin-coverage": "code",
             "indicators-without-actions": "indicator", "directorates-without-actions": "directorate_id",
             "incomplete-actions": "action", "overdue-actions": "action",
             "commitments-without-mechanisms": "commitment"}


def _evidence(row: dict) -> str:
    """Where the item is stated: 'delivery-plan p. 101' or 'strategy line 512'."""
    source = row.get("source") or ""
    pages = row.get("pages") if "pages" in row else row.get("page")
    lines = row.get("lines") if "lines" in row else row.get("line")
    if pages:
        return f"{source} p. {pages}".strip()
    if lines:
        return f"{source} line {lines}".strip()
    return source


def _label(row: dict) -> str:
    return row.get("label") or row.get("title") or row.get("directorate") or ""


def gap_report(graph=None, *, as_of: _dt.date | str | None = None, threshold: int = 2,
               graph_path: Path | None = None, queries_dir: Path | None = None) -> dict:
    """Run the gap queries and return the report as a dict (see `render`)."""
    as_of = _dt.date.fromisoformat(str(as_of)) if as_of else _dt.date.today()
    if int(threshold) < 0:
        raise QueryError(f"the thin-coverage threshold must be 0 or more, not {threshold}")
    params = {"thin-coverage": {"threshold": int(threshold)}, "overdue-actions": {"as_of": as_of.isoformat()}}

    def ask(name, **kw):
        return run_query(name, graph=graph, graph_path=graph_path, queries_dir=queries_dir, **kw)

    sections = []
    for name, title, explain in SECTIONS:
        rows = ask(name, **params.get(name, {}))
        for row in rows:
            nodes = [row.get(ID_COLUMN[name]) or ""]
            nodes += [n for n in (row.get("covered_by") or "").split("; ") if n]
            row["nodes"] = nodes
            row["evidence"] = _evidence(row)
        sections.append({"query": name, "title": title,
                         "explanation": explain.format(threshold=threshold, as_of=as_of.isoformat()),
                         "rows": rows})
    counts = {r["kind"]: int(r["count"]) for r in ask("graph-counts")}
    coverage = ask("outcome-coverage")
    matrix = ask("directorate-outcome-matrix")
    report = {"title": "Gap analysis: where the strategy has no KCC action behind it",
              "as_of": as_of.isoformat(), "threshold": int(threshold), "counts": counts,
              "strategy_indicators": sum(int(r["indicators"]) for r in coverage),
              "sections": sections, "heatmap": _heatmap(matrix),
              "sources": ask("source-documents")}
    report["summary"] = summary(report)
    return report


def _heatmap(matrix: list[dict]) -> dict:
    directorates = list(dict.fromkeys(r["directorate"] for r in matrix))
    outcomes = sorted({r["outcome"] for r in matrix})
    cells = {(r["directorate"], r["outcome"]): (int(r["commitments"]), int(r["actions"])) for r in matrix}
    return {"directorates": directorates, "outcomes": outcomes,
            "cells": [[list(cells.get((d, o), (0, 0))) for o in outcomes] for d in directorates]}


def _section(report: dict, name: str) -> list[dict]:
    return next(s["rows"] for s in report["sections"] if s["query"] == name)


def _names(rows, column, limit=6) -> str:
    names = [str(r.get(column) or "") for r in rows]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _has(count: int) -> str:
    return "has" if count == 1 else "have"


def summary(report: dict) -> str:
    """A short paragraph an officer can paste into a committee paper."""
    c, as_of = report["counts"], _dt.date.fromisoformat(report["as_of"])
    date = f"{as_of.day} {as_of:%B %Y}"
    no_action = _section(report, "outcomes-without-actions")
    nothing = [r for r in no_action if str(r.get("commitments")) == "0"]
    priorities = _section(report, "priorities-without-commitments")
    enablers = _section(report, "enablers-without-actions")
    thin = _section(report, "thin-coverage")
    indicators = _section(report, "indicators-without-actions")
    directorates = _section(report, "directorates-without-actions")
    incomplete = _section(report, "incomplete-actions")
    overdue = _section(report, "overdue-actions")
    parts = [f"As at {date}, the delivery plan records {_n(c.get('commitment', 0), 'commitment')} and "
             f"{_n(c.get('action', 0), 'new action')} across {_n(c.get('directorate', 0), 'directorate')}, "
             f"against the strategy's {_n(c.get('shared outcome', 0), 'shared outcome')}, "
             f"{_n(c.get('priority', 0), 'priority', 'priorities')} and {_n(c.get('enabler', 0), 'enabler')}."]
    if no_action:
        extra = (" and no commitment either" if len(nothing) == len(no_action) else
                 f" ({len(nothing)} of them no commitment either)" if nothing else "")
        parts.append(f"{_n(len(no_action), 'outcome')} ({_names(no_action, 'outcome')}) "
                     f"{_has(len(no_action))} no new action{extra}.")
    else:
        parts.append("Every shared outcome has at least one new action.")
    gaps = []
    if priorities:
        gaps.append(f"{len(priorities)} of {c.get('priority', 0)} priorities {_has(len(priorities))} no commitment "
                    f"({_names(priorities, 'priority')})")
    if enablers:
        gaps.append(f"{len(enablers)} of {c.get('enabler', 0)} enablers {_has(len(enablers))} no new action "
                    f"({_names(enablers, 'enabler')})")
    if thin:
        gaps.append(f"{_n(len(thin), 'item')} {_has(len(thin))} thin coverage "
                    f"({report['threshold']} or fewer commitments and actions)")
    if gaps:
        text = "; ".join(gaps)
        parts.append(text[0].upper() + text[1:] + ".")
    if indicators:
        parts.append(f"{len(indicators)} of {report['strategy_indicators']} indicators under a shared outcome {_has(len(indicators))} no "
                     f"action or logframe measure working towards them ({_names(indicators, 'indicator')}).")
    if directorates:
        parts.append(f"{_n(len(directorates), 'directorate')} ({_names(directorates, 'directorate')}) "
                     f"{_has(len(directorates))} no new action.")
    if incomplete or overdue:
        parts.append(f"{_n(len(incomplete), 'action')} {'lacks' if len(incomplete) == 1 else 'lack'} a measure, "
                     f"lead or readable date, and {_n(len(overdue), 'action')} "
                     f"{'is' if len(overdue) == 1 else 'are'} past due with no recorded progress.")
    return " ".join(parts)


# --- rendering -------------------------------------------------------------------------

def _columns(section: dict) -> list[str]:
    rows = section["rows"]
    return [c for c in rows[0] if c not in HIDDEN + ("nodes", "evidence")] if rows else []


def _color(level: float) -> str:
    """White to dark blue."""
    lo, hi = (247, 251, 255), (8, 48, 107)
    return "#%02x%02x%02x" % tuple(round(a + (b - a) * level) for a, b in zip(lo, hi))


def heatmap_svg(heat: dict) -> str:
    """The directorate x outcome matrix as an inline SVG (no external reference)."""
    e = html.escape
    ds, os_, cells = heat["directorates"], heat["outcomes"], heat["cells"]
    left = min(max([len(d) for d in ds] + [10]) * 7 + 16, 380)
    cw, ch, top = 84, 30, 34
    width, height = left + cw * len(os_) + 8, top + ch * len(ds) + 28
    peak = max([sum(c) for row in cells for c in row] + [1])
    out = [f'<svg class="heatmap" role="img" aria-label="Commitments and new actions per directorate and outcome" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">']
    for j, o in enumerate(os_):
        out.append(f'<text x="{left + cw * j + cw / 2}" y="{top - 12}" text-anchor="middle" font-weight="bold">{e(o)}</text>')
    for i, d in enumerate(ds):
        y = top + ch * i
        out.append(f'<text x="{left - 8}" y="{y + ch / 2 + 4}" text-anchor="end">{e(d)}</text>')
        for j, o in enumerate(os_):
            commitments, actions = cells[i][j]
            total = commitments + actions
            fill = "#fde0dd" if total == 0 else _color(0.15 + 0.85 * total / peak)
            ink = "#ffffff" if total and total / peak > 0.5 else "#222222"
            x = left + cw * j
            out.append(f'<g><title>{e(d)} / {e(o)}: {commitments} commitments, {actions} new actions</title>'
                       f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="{fill}"/>'
                       f'<text x="{x + cw / 2 - 1}" y="{y + ch / 2 + 4}" text-anchor="middle" fill="{ink}">'
                       f'{commitments} / {actions}</text></g>')
    out.append(f'<text x="{left}" y="{height - 8}" fill="#444">Each cell: commitments / new actions. '
               f'Darker = more; pink = none.</text>')
    out.append("</svg>")
    return "\n".join(out)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
p.summary { font-size: 1.05rem; background: #f4f6f8; padding: .8rem 1rem; border-left: 4px solid #08306b; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #ccc; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; } p.none { color: #2b7a2b; } p.meta, p.query { color: #555; font-size: .85rem; }
code { font-size: .85rem; } td.nw { white-space: nowrap; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr, svg { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def _td(value, nowrap: bool = False) -> str:
    text = html.escape("" if value is None else str(value))
    return f'<td class="nw">{text}</td>' if nowrap else f"<td>{text}</td>"


def to_html(report: dict) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(report['title'])}</title>", f"<style>{CSS}</style></head><body>",
           f"<h1>{e(report['title'])}</h1>", f'<p class="summary">{e(report["summary"])}</p>',
           f'<p class="meta">As at {e(report["as_of"])}; thin coverage = {report["threshold"]} or fewer '
           f"commitments and actions. Every table below is the answer of a canned query "
           f"(<code>icsgraph query NAME</code>).</p>",
           "<h2>Directorates and shared outcomes</h2>", heatmap_svg(report["heatmap"])]
    for s in report["sections"]:
        out.append(f"<h2>{e(s['title'])} ({len(s['rows'])})</h2>")
        out.append(f"<p>{e(s['explanation'])}</p>")
        if not s["rows"]:
            out.append('<p class="none">None.</p>')
        else:
            cols = _columns(s)
            out.append("<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in cols) +
                       "<th>source</th></tr></thead><tbody>")
            nowrap = {ID_COLUMN[s["query"]], "outcome", "due"}
            for r in s["rows"]:
                cells = [_td(r.get(c), c in nowrap) for c in cols] + [_td(r["evidence"], True)]
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</tbody></table>")
        out.append(f'<p class="query">Query: <code>{e(s["query"])}</code></p>')
    out.append("<h2>Sources</h2><table><thead><tr><th>source</th><th>document</th><th>date</th>"
               "<th>file</th></tr></thead><tbody>")
    for d in report["sources"]:
        out.append("<tr>" + "".join(_td(d.get(c)) for c in ("source", "title", "date", "file")) + "</tr>")
    out.append("</tbody></table><p class=\"meta\">Pages are the printed pages of the committee pack; "
               "lines are lines of the text file (the Strategy has no page numbers).</p></body></html>")
    return "\n".join(out) + "\n"


def to_md(report: dict) -> str:
    heat = report["heatmap"]
    out = [f"# {report['title']}", "", report["summary"], "",
           f"As at {report['as_of']}; thin coverage = {report['threshold']} or fewer commitments and actions.", "",
           "## Directorates and shared outcomes (commitments / new actions)", ""]
    rows = [{"directorate": d, **{o: f"{c[0]} / {c[1]}" for o, c in zip(heat["outcomes"], cells)}}
            for d, cells in zip(heat["directorates"], heat["cells"])]
    out.append(to_markdown(rows, ["directorate", *heat["outcomes"]]))
    for s in report["sections"]:
        out += [f"## {s['title']} ({len(s['rows'])})", "", s["explanation"], ""]
        if s["rows"]:
            cols = _columns(s)
            out.append(to_markdown([{**r, "source": r["evidence"]} for r in s["rows"]], [*cols, "source"]))
        else:
            out += ["None.", ""]
        out += [f"Query: `{s['query']}`", ""]
    out += ["## Sources", "", to_markdown(report["sources"], ["source", "title", "date", "file"])]
    return "\n".join(out)


ITEM_COLUMNS = ["section", "code", "label", "detail", "nodes", "evidence"]


def items(report: dict) -> list[dict]:
    """One flat row per gap item (and per heat-map cell), for CSV."""
    out = []
    for s in report["sections"]:
        for r in s["rows"]:
            skip = set(HIDDEN) | {"nodes", "evidence", "label", "title", ID_COLUMN[s["query"]]}
            detail = "; ".join(f"{k}: {v}" for k, v in r.items() if k not in skip and v not in (None, ""))
            out.append({"section": s["query"], "code": r["nodes"][0], "label": _label(r), "detail": detail,
                        "nodes": " ".join(r["nodes"]), "evidence": r["evidence"]})
    heat = report["heatmap"]
    for d, cells in zip(heat["directorates"], heat["cells"]):
        for o, (commitments, actions) in zip(heat["outcomes"], cells):
            out.append({"section": "directorate-outcome-matrix", "code": o, "label": d,
                        "detail": f"commitments: {commitments}; actions: {actions}", "nodes": "", "evidence": ""})
    return out


def render(report: dict, fmt: str) -> str:
    if fmt == "html":
        return to_html(report)
    if fmt == "md":
        return to_md(report)
    if fmt == "csv":
        return to_csv(items(report), ITEM_COLUMNS)
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    raise QueryError(f"unknown report format '{fmt}' (one of {', '.join(FORMATS)})")


def write_report(report: dict, out: Path, fmt: str | None = None) -> Path:
    """Write the report atomically; the format defaults to the file's suffix."""
    from .build import write_atomically
    out = Path(out)
    fmt = fmt or out.suffix.lstrip(".").lower().replace("markdown", "md")
    write_atomically(out, render(report, fmt))
    return out
