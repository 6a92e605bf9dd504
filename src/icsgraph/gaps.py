"""The gap analysis report: where the Strategy has no KCC commitment or action behind it.

Every figure in the report is the answer of a canned query under queries/ (the gap queries,
the directorate x outcome matrix and totals, the counts and the source documents), got
through `run_query`, so the report is the same from the local graph or a remote SPARQL
endpoint. There is no second implementation of any question here, only wording and layout:
each sentence of the summary names, in a footnote, the queries whose answers it states.

`gap_report` runs the queries and returns a plain dict; `render` turns it into HTML
(self-contained, printable, accessible: every data string escaped, tables with headers and
captions, no meaning carried by colour alone), Markdown, CSV (one row per gap item, through
the shared CSV writer) or JSON.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import re
from pathlib import Path

from .queries import QueryError, get_query, run_query, to_csv, to_markdown

FORMATS = ("html", "md", "csv", "json")

# (query, title, what it means and how it is known). Order = order in the report.
SECTIONS = (
    ("outcomes-without-actions", "Shared outcomes with no new action",
     "No Appendix B new action names these outcomes in its Shared Outcome column. "
     "'Commitments under it' counts the current activity (Appendix A) under the outcome's "
     "priorities: 0 means nothing at all in the Delivery Plan."),
    ("priorities-without-commitments", "Priorities with no commitment",
     "No directorate recorded an Appendix A commitment under these priorities. (New actions "
     "name outcomes, not priorities, so they cannot count here.)"),
    ("enablers-without-actions", "Enablers with no new action",
     "No Appendix B new action sits under these cross-cutting enablers."),
    ("thin-coverage", "Thin coverage",
     "Outcomes, priorities, enablers and directorates with some, but at most {threshold}, "
     "commitments and new actions behind them, fewest first, each commitment or action counted "
     "once. 'Covered by' names what there is."),
    ("indicators-not-in-logframes", "Strategy indicators that no directorate's logframe tracks",
     "A fact of the Delivery Plan: no directorate's 'Measures within the Logframe' table tracks "
     "these indicators of the Strategy. Beside each, how many commitments under its outcome and "
     "how many new actions naming its outcome share a topic with it. The tables link no "
     "commitment or action to an indicator directly, so a shared topic is the only link there "
     "is: it suggests, it does not show, that the work bears on the indicator."),
    ("indicators-without-actions", "Strategy indicators linked to nothing in the Delivery Plan, by logframe or by shared topic",
     "No logframe tracks these indicators, and no commitment or new action under their outcome "
     "shares a topic with them (the indicator's topic or a narrower one)."),
    ("directorates-without-actions", "Directorates with no new action",
     "These directorates own no Appendix B new action. 'Commitments made' counts their Appendix A "
     "rows."),
    ("incomplete-actions", "New actions missing a measure, a lead or a due date",
     "'Missing' says what is absent. A missing due date is either a timescale of 'Ongoing' "
     "(continuing work, which has no end date by its nature: 'Ongoing' = yes) or a timescale "
     "from which no due date can be read, such as a duration with no start, a start date or a "
     "condition (shown as written; the tables' notes say why each was read so)."),
    ("overdue-actions", "New actions past their due date",
     "Due before {as_of}. A date passed is not a failure: read it with the latest progress return. "
     "{progress_note}"),
    ("actions-without-return", "New actions with no progress return for {period}",
     "{period} ({quarter}) is the latest quarter that ended before {as_of}. No progress return for it "
     "has been recorded for these actions (an action closed by an earlier return, complete or stopped, "
     "needs none)."),
    ("returns-missing", "Directorates whose return for {period} is missing",
     "Directorates that own at least one open new action with no return for {period}: 'Returned' "
     "counts the actions they did return for it (0: nothing came in), 'Missing' those they did not."),
    ("commitments-without-mechanisms", "Commitments with no plan, service or programme named",
     "The 'delivered through' cell of these Appendix A rows names no plan, strategy, service, "
     "programme or partnership."),
)
# The node each row is about: the column that holds its code (or name) and its kind.
ID_COLUMN = {"outcomes-without-actions": "outcome", "priorities-without-commitments": "priority",
             "enablers-without-actions": "enabler", "thin-coverage": "code",
             "indicators-not-in-logframes": "indicator", "indicators-without-actions": "indicator",
             "directorates-without-actions": "directorate", "incomplete-actions": "action",
             "overdue-actions": "action", "commitments-without-mechanisms": "commitment",
             "actions-without-return": "action", "returns-missing": "directorate"}
KIND = {"outcomes-without-actions": "outcome", "priorities-without-commitments": "priority",
        "enablers-without-actions": "enabler", "indicators-not-in-logframes": "indicator",
        "indicators-without-actions": "indicator", "directorates-without-actions": "directorate",
        "incomplete-actions": "action", "overdue-actions": "action",
        "commitments-without-mechanisms": "commitment", "actions-without-return": "action",
        "returns-missing": "directorate"}
# Sections that need the monitoring questions (progress returns): left out of a project
# whose queries/ folder does not have them.
PROGRESS_SECTIONS = ("actions-without-return", "returns-missing")
EVIDENCE = ("source", "source_iri", "pages", "lines")
OTHER_QUERIES = ("graph-counts", "outcome-coverage", "directorate-outcome-matrix", "directorate-totals",
                 "progress-recorded", "source-documents")


# --- reading the queries --------------------------------------------------------------

def _titles(name: str, queries_dir=None) -> dict[str, str]:
    """{variable: column title} of a canned query (its `#+ columns:` block)."""
    return dict(get_query(name, queries_dir).columns)


def _doc_id(row: dict) -> str:
    iri = row.get("source_iri") or ""
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _doc_name(doc_id: str) -> str:
    """The short name a report cites a document by: its id in words ('delivery-plan' ->
    'Delivery plan'); the Sources table gives each short name's full title."""
    words = doc_id.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _evidence(row: dict, kind: str) -> str:
    """Where the item is stated, as an officer finds it in the printed document: 'Delivery
    plan p. 101'. The Strategy has no page numbers: its items are located by the outcome
    section they sit in (or its enablers section)."""
    if not row.get("source_iri") and not row.get("source"):
        return ""   # not a fact of a document (a count of progress returns)
    doc = _doc_name(_doc_id(row)) or (row.get("source") or "")
    pages = row.get("pages") or ""
    if pages:
        return f"{doc} p. {pages}" if ";" not in pages else f"{doc} pp. {pages}"
    outcome = row.get("outcome") if kind in ("outcome", "priority", "indicator") else None
    if outcome:
        name = row.get("outcome_name") or (row.get("label") if kind == "outcome" else "") or ""
        where = f"section of {outcome} {name}".strip()
        return f"{doc} (no page numbers), {where}"
    if kind == "enabler":
        return f"{doc} (no page numbers), enablers section"
    return f"{doc} (no page number recorded)"


def _kind(section: str, row: dict) -> str:
    return row.get("kind") or KIND.get(section, "")


def _node_codes(section: str, row: dict) -> list[str]:
    codes = [row.get(ID_COLUMN[section]) or ""]
    for part in (row.get("covered_by") or "").split("; "):
        m = re.search(r"\(([^()]+)\)\s*$", part)
        if m:
            codes.append(m.group(1))
    return codes


def latest_quarter(day: _dt.date) -> str:
    """The latest calendar quarter that ended before `day`, written like 2025-Q4."""
    from .monitoring import Quarter
    return str(Quarter.containing(day).previous())


# While no return has been recorded for any quarter, every action is "without a return": the
# section says so in one sentence instead of listing them all (`withheld` = how many).
NO_RETURNS_YET = ("No progress return has been received for any quarter yet, so none of the {n} new actions "
                  "has one for {period}. They are not listed one by one here; "
                  "'icsgraph query actions-without-return --param period={period}' lists them.")


def gap_report(graph=None, *, as_of: _dt.date | str | None = None, threshold: int = 2,
               graph_path: Path | None = None, queries_dir: Path | None = None,
               endpoint: str | None = None, endpoint_graph: str | None = None) -> dict:
    """Run the gap queries (on `graph`, the graph file, or a SPARQL endpoint) and return the
    report as a dict (see `render`)."""
    as_of = _dt.date.fromisoformat(str(as_of)) if as_of else _dt.date.today()
    if int(threshold) < 0:
        raise QueryError(f"the thin-coverage threshold must be 0 or more, not {threshold}")
    period = latest_quarter(as_of)
    params = {"thin-coverage": {"threshold": int(threshold)}, "overdue-actions": {"as_of": as_of.isoformat()},
              "actions-without-return": {"period": period}, "returns-missing": {"period": period}}
    from .queries import list_queries
    known = {q.name for q in list_queries(queries_dir)}

    def ask(name, **kw):
        return run_query(name, graph=graph, graph_path=graph_path, queries_dir=queries_dir,
                         endpoint=endpoint, endpoint_graph=endpoint_graph, **kw)

    progress = (ask("progress-recorded") or [{}])[0]
    progress = {k: int(progress.get(k) or 0) for k in ("actions", "with_progress_note", "with_return")}
    nothing_recorded = progress["with_return"] == 0   # a progress note is a return's narrative
    progress_note = ("No progress has been recorded for any action yet, so whether these actions "
                     "were done is not recorded." if nothing_recorded else "")
    from .monitoring import Quarter
    quarter = Quarter.parse(period).words()
    sections = []
    for name, title, explain in SECTIONS:
        if name in PROGRESS_SECTIONS and name not in known:
            continue
        rows = ask(name, **params.get(name, {}))
        for row in rows:
            row["nodes"] = _node_codes(name, row)
            row["evidence"] = _evidence(row, _kind(name, row))
        section = {"query": name, "title": title.format(period=period),
                   "explanation": explain.format(threshold=threshold, as_of=as_of.isoformat(),
                                                 progress_note=progress_note, period=period,
                                                 quarter=quarter).strip(),
                   "columns": _titles(name, queries_dir), "rows": rows, "params": params.get(name, {})}
        if name == "actions-without-return" and nothing_recorded and rows:
            section.update(rows=[], withheld=len(rows),
                           note=NO_RETURNS_YET.format(n=len(rows), period=period))
        sections.append(section)
    counts = {r["kind"]: int(r["count"]) for r in ask("graph-counts")}
    outcomes = {r["outcome"]: r["label"] for r in ask("outcome-coverage")}
    matrix = ask("directorate-outcome-matrix")
    totals = ask("directorate-totals")
    report = {"title": "Gap analysis: where the Strategy has no KCC commitment or action behind it",
              "as_of": as_of.isoformat(), "period": period, "threshold": int(threshold), "counts": counts,
              "outcomes": outcomes, "progress": progress,
              "sections": sections, "heatmap": _heatmap(matrix, totals, outcomes),
              "sources": ask("source-documents")}
    report["summary_sentences"] = summary_sentences(report)
    report["summary"] = " ".join(s["text"] for s in report["summary_sentences"])
    return report


def _heatmap(matrix: list[dict], totals: list[dict], outcomes: dict[str, str]) -> dict:
    directorates = list(dict.fromkeys(r["directorate"] for r in matrix))
    codes = sorted({r["outcome"] for r in matrix})
    cells = {(r["directorate"], r["outcome"]): (int(r["commitments"]), int(r["actions"])) for r in matrix}
    by_name = {r["directorate"]: r for r in totals}
    return {"directorates": directorates, "outcomes": codes,
            "outcome_names": [outcomes.get(o, "") for o in codes],
            "cells": [[list(cells.get((d, o), (0, 0))) for o in codes] for d in directorates],
            "totals": [[int(by_name.get(d, {}).get("commitments") or 0), int(by_name.get(d, {}).get("actions") or 0)]
                       for d in directorates]}


# --- the summary ------------------------------------------------------------------------

def _section(report: dict, name: str) -> list[dict] | None:
    """A section's rows (None when the report has no such section)."""
    return next((s["rows"] for s in report["sections"] if s["query"] == name), None)


def _count(report: dict, name: str) -> int:
    """How many items a section has, with those it does not list one by one (`withheld`)."""
    section = next(s for s in report["sections"] if s["query"] == name)
    return len(section["rows"]) + int(section.get("withheld") or 0)


def _names(rows, code_column, name_column="label", limit=6) -> str:
    names = []
    for r in rows:
        code, name = str(r.get(code_column) or ""), str(r.get(name_column) or "")
        names.append(f"{code} {name}".strip() if code != name else name)
    shown = "; ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _has(count: int) -> str:
    return "has" if count == 1 else "have"


def _day(iso: str) -> str:
    d = _dt.date.fromisoformat(iso)
    return f"{d.day} {d:%B %Y}"


def summary_sentences(report: dict) -> list[dict]:
    """The summary, sentence by sentence, each with the canned queries it states."""
    c, date = report["counts"], _day(report["as_of"])
    out = []

    def say(text, *queries):
        out.append({"text": text, "queries": list(queries)})

    say(f"As at {date}, the Delivery Plan records {_n(c.get('commitment', 0), 'commitment')} (Appendix A) and "
        f"{_n(c.get('action', 0), 'new action')} (Appendix B) from {_n(c.get('directorate', 0), 'directorate')}, "
        f"against the Strategy's {_n(c.get('shared outcome', 0), 'shared outcome')}, "
        f"{_n(c.get('priority', 0), 'priority', 'priorities')} and {_n(c.get('enabler', 0), 'enabler')}.",
        "graph-counts")
    no_action = _section(report, "outcomes-without-actions")
    if no_action:
        nothing = [r for r in no_action if str(r.get("commitments")) == "0"]
        extra = (" and no commitment either" if len(nothing) == len(no_action) else
                 f" ({len(nothing)} of them no commitment either)" if nothing else "")
        say(f"{_n(len(no_action), 'shared outcome')} ({_names(no_action, 'outcome')}) "
            f"{_has(len(no_action))} no new action{extra}.", "outcomes-without-actions")
    else:
        say("Every shared outcome is named by at least one new action.", "outcomes-without-actions")
    priorities = _section(report, "priorities-without-commitments")
    if priorities:
        say(f"{len(priorities)} of the {c.get('priority', 0)} priorities {_has(len(priorities))} no commitment "
            f"({_names(priorities, 'priority')}).", "priorities-without-commitments")
    else:
        say("Every priority has at least one commitment.", "priorities-without-commitments")
    enablers = _section(report, "enablers-without-actions")
    if enablers:
        say(f"{len(enablers)} of the {c.get('enabler', 0)} enablers {_has(len(enablers))} no new action under "
            f"{'it' if len(enablers) == 1 else 'them'} ({_names(enablers, 'enabler')}).", "enablers-without-actions")
    thin = _section(report, "thin-coverage")
    if thin:
        items = "; ".join(f"{r['kind']} {r['label'] if r['kind'] == 'directorate' else r['code'] + ' ' + r['label']}"
                          f" ({_thin_count(r)})" for r in thin[:6])
        more = f" and {len(thin) - 6} more" if len(thin) > 6 else ""
        say(f"{_n(len(thin), 'item')} {_has(len(thin))} {report['threshold']} or fewer commitments and new actions "
            f"behind {'it' if len(thin) == 1 else 'them'}: {items}{more}.", "thin-coverage")
    untracked = _section(report, "indicators-not-in-logframes")
    if untracked:
        defined = [r for r in untracked if r.get("status") != "to be developed"]
        later = [r for r in untracked if r.get("status") == "to be developed"]
        parts = []
        if defined:
            parts.append(f"{len(defined)} defined {'one' if len(defined) == 1 else 'ones'} "
                         f"({_names(defined, 'indicator', limit=3)})")
        if later:
            parts.append(f"{_n(len(later), 'measure')} that partners are still to develop "
                         f"({_names(later, 'indicator', limit=3)})")
        say(f"No directorate's logframe tracks {len(untracked)} of the Strategy's indicators: {' and '.join(parts)}.",
            "indicators-not-in-logframes")
    else:
        say("Every indicator of the Strategy is tracked in at least one directorate's logframe.",
            "indicators-not-in-logframes")
    unlinked = _section(report, "indicators-without-actions")
    if unlinked:
        say(f"{_n(len(unlinked), 'indicator')} of the Strategy {_has(len(unlinked))} nothing in the Delivery Plan "
            f"linked to {'it' if len(unlinked) == 1 else 'them'}: no logframe tracks "
            f"{'it' if len(unlinked) == 1 else 'them'}, and no commitment or new action under "
            f"{'its' if len(unlinked) == 1 else 'their'} outcome shares a topic with "
            f"{'it' if len(unlinked) == 1 else 'them'} ({_names(unlinked, 'indicator')}).",
            "indicators-without-actions")
    elif untracked:
        say("Each of those is linked to the Delivery Plan only by shared topic: it shares a topic with at least "
            "one commitment or new action under its outcome. The tables hold no more direct link, and a shared "
            "topic does not show that the work bears on the indicator.",
            "indicators-without-actions", "indicators-not-in-logframes")
    directorates = _section(report, "directorates-without-actions")
    if directorates:
        made = "; ".join(f"{r['directorate']} ({_n(int(r.get('commitments') or 0), 'commitment')})"
                         for r in directorates)
        say(f"{_n(len(directorates), 'directorate')} {'owns' if len(directorates) == 1 else 'own'} no new action: "
            f"{made}.", "directorates-without-actions")
    incomplete = _section(report, "incomplete-actions")
    no_measure = [r for r in incomplete if "measure" in (r.get("missing") or "")]
    no_lead = [r for r in incomplete if "lead" in (r.get("missing") or "")]
    no_date = [r for r in incomplete if "due date" in (r.get("missing") or "")]
    ongoing = [r for r in no_date if r.get("ongoing") == "yes"]
    others = [r for r in no_date if r.get("ongoing") != "yes"]
    if no_measure or no_lead:
        parts = []
        if no_measure:
            parts.append(f"{_n(len(no_measure), 'new action')} {_has(len(no_measure))} no measure "
                         f"({_names(no_measure, 'action', 'title', limit=4)})")
        if no_lead:
            parts.append(f"{_n(len(no_lead), 'new action')} {_has(len(no_lead))} no lead "
                         f"({_names(no_lead, 'action', 'title', limit=4)})")
        text = "; ".join(parts)
        say(text[0].upper() + text[1:] + ".", "incomplete-actions")
    if no_date:
        examples = list(dict.fromkeys(f'"{r["timescale"]}"' for r in others if r.get("timescale")))[:3]
        detail = []
        if ongoing:
            detail.append(f'{len(ongoing)} {"is" if len(ongoing) == 1 else "are"} "Ongoing"')
        if others:
            detail.append(f"{len(others)} {_has(len(others))} a timescale from which no due date can be read"
                          + (f" (such as {', '.join(examples)})" if examples else ""))
        say(f"{_n(len(no_date), 'new action')} {_has(len(no_date))} no due date: {' and '.join(detail)}.",
            "incomplete-actions")
    overdue = _section(report, "overdue-actions")
    progress = report["progress"]
    if progress["with_return"] == 0:
        say("No progress has been recorded for any action yet.", "progress-recorded")
        if overdue:
            say(f"{_n(len(overdue), 'new action')} had a due date before {date}; whether "
                f"{'it was' if len(overdue) == 1 else 'they were'} done is not recorded.", "overdue-actions")
    elif overdue:
        reported = [r for r in overdue if r.get("progress")]
        say(f"{_n(len(overdue), 'new action')} had a due date before {date}; {len(reported)} of them "
            f"{_has(len(reported))} progress recorded.", "overdue-actions", "progress-recorded")
    else:
        say(f"No new action had a due date before {date}.", "overdue-actions")
    no_return, missing = _section(report, "actions-without-return"), _section(report, "returns-missing")
    if no_return is not None and missing is not None:
        period, without = report["period"], _count(report, "actions-without-return")
        when = f"{period}, the latest quarter that ended before {date}"
        if progress["with_return"] == 0:
            say(f"None of the {_n(len(missing), 'directorate')} that own new actions has sent a progress return "
                f"for {when}, so {'the' if without == 1 else 'all'} {_n(without, 'new action')} "
                f"{'is' if without == 1 else 'are'} without one.",
                "progress-recorded", "returns-missing", "actions-without-return")
        elif without or missing:
            names = "; ".join(f"{r['directorate']} ({r['missing']} of {r['open_actions']} missing)" for r in missing)
            say(f"For {when}, {_n(without, 'new action')} {_has(without)} no progress return"
                + (f", and the returns of {_n(len(missing), 'directorate')} are missing or incomplete: {names}."
                   if missing else "."), "actions-without-return", "returns-missing")
        else:
            say(f"Every open new action has a progress return for {when}.", "actions-without-return",
                "returns-missing")
    unnamed = _section(report, "commitments-without-mechanisms")
    if unnamed:
        say(f"{_n(len(unnamed), 'commitment')} {'names' if len(unnamed) == 1 else 'name'} no plan, service or "
            f"programme that delivers {'it' if len(unnamed) == 1 else 'them'}.", "commitments-without-mechanisms")
    return out


def _thin_count(row: dict) -> str:
    c, a = int(row.get("commitments") or 0), int(row.get("actions") or 0)
    parts = ([_n(c, "commitment")] if c else []) + ([_n(a, "new action")] if a else [])
    return " and ".join(parts)


def footnotes(report: dict) -> list[str]:
    """The canned queries the summary states, numbered in order of first use."""
    return list(dict.fromkeys(q for s in report["summary_sentences"] for q in s["queries"]))


# --- rendering --------------------------------------------------------------------------

def _display(section: dict) -> list[tuple[str, str]]:
    """(variable, title) of the columns a section's table shows: the query's columns, the
    provenance ones replaced by one 'Where it is stated' column."""
    shown = [(v, t) for v, t in section["columns"].items() if v not in EVIDENCE]
    return shown + ([("evidence", "Where it is stated")] if "source" in section["columns"] else [])


def _color(level: float) -> tuple[int, int, int]:
    """White to dark blue."""
    lo, hi = (247, 251, 255), (8, 48, 107)
    return tuple(round(a + (b - a) * level) for a, b in zip(lo, hi))


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(rgb)


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink(rgb) -> str:
    """Black or white, whichever contrasts more with the fill (WCAG 2 contrast ratio)."""
    lum = _luminance(rgb)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


HEAT_CAPTION = ("Commitments / new actions per directorate and shared outcome. A commitment sits under one "
                "outcome; a new action that names several outcomes is counted once in each of their columns, "
                "so a row's cells can add up to more than the directorate's total. The Total column counts "
                "each commitment and each new action once. Darker shading = more; a dash = none.")


def heatmap_html(heat: dict) -> str:
    """The directorate x outcome matrix as an HTML table (numbers in every cell; shading only
    repeats them), with a caption that states the counting rule."""
    e = html.escape
    cells, peak = heat["cells"], max([sum(c) for row in heat["cells"] for c in row] + [1])
    out = ['<table class="heat">', f"<caption>{e(HEAT_CAPTION)}</caption>",
           '<thead><tr><th scope="col">Directorate</th>']
    for code, name in zip(heat["outcomes"], heat["outcome_names"]):
        out.append(f'<th scope="col"><abbr title="{e(name)}">{e(code)}</abbr><br>'
                   f'<span class="oname">{e(name)}</span></th>')
    out.append('<th scope="col">Total (each counted once)</th></tr></thead><tbody>')
    for d, row, total in zip(heat["directorates"], cells, heat["totals"]):
        out.append(f'<tr><th scope="row">{e(d)}</th>')
        for code, (commitments, actions) in zip(heat["outcomes"], row):
            n = commitments + actions
            rgb = _color(0.1 + 0.9 * n / peak) if n else (255, 255, 255)
            fill, ink = _hex(rgb), _ink(rgb)
            label = f"{commitments} commitments, {actions} new actions for {code}"
            text = f"{commitments} / {actions}" if n else "–"
            out.append(f'<td class="num" style="background:{fill};color:{ink}" aria-label="{e(d)}: {e(label)}">'
                       f'{e(text)}</td>')
        out.append(f'<td class="num total">{total[0]} / {total[1]}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
div.summary { background: #f4f6f8; padding: .4rem 1rem; border-left: 4px solid #08306b; }
div.summary p { font-size: 1.05rem; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0; }
caption { caption-side: top; text-align: left; color: #444; font-size: .85rem; padding: .3rem 0; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; } td.num { text-align: center; white-space: nowrap; } td.total { font-weight: bold; }
span.oname { font-weight: normal; font-size: .75rem; } p.none { font-weight: bold; }
p.meta, p.query, ol.notes { color: #444; font-size: .85rem; } code { font-size: .85rem; } td.nw { white-space: nowrap; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; } h2 { break-after: avoid; }
  tr { break-inside: avoid; } thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def _td(value, nowrap: bool = False) -> str:
    text = html.escape("" if value is None else str(value))
    return f'<td class="nw">{text}</td>' if nowrap else f"<td>{text}</td>"


def to_html(report: dict) -> str:
    e = html.escape
    notes = footnotes(report)
    number = {q: i + 1 for i, q in enumerate(notes)}
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(report['title'])}</title>", f"<style>{CSS}</style></head><body><main>",
           f"<h1>{e(report['title'])}</h1>", '<div class="summary">']
    for s in report["summary_sentences"]:
        refs = ",".join(f'<a href="#note-{number[q]}">{number[q]}</a>' for q in s["queries"])
        out.append(f"<p>{e(s['text'])}<sup>{refs}</sup></p>")
    out.append("</div>")
    out.append(f'<p class="meta">As at {e(report["as_of"])}; thin coverage = {report["threshold"]} or fewer '
               "commitments and new actions. Every figure and table below is the answer of a canned question "
               "(<code>icsgraph query NAME</code>), named in the notes and under each table.</p>")
    out += ["<h2>Directorates and shared outcomes</h2>", heatmap_html(report["heatmap"]),
            '<p class="query">Questions: <code>directorate-outcome-matrix</code> (cells), '
            "<code>directorate-totals</code> (Total column).</p>"]
    for s in report["sections"]:
        out.append(f"<h2>{e(s['title'])} ({len(s['rows']) + int(s.get('withheld') or 0)})</h2>")
        out.append(f"<p>{e(s['explanation'])}</p>")
        if s.get("withheld"):
            out.append(f'<p class="none">{e(s["note"])}</p>')
        elif not s["rows"]:
            out.append('<p class="none">None.</p>')
        else:
            cols = _display(s)
            out.append(f"<table><caption>{e(s['title'])}: {_n(len(s['rows']), 'row')}</caption><thead><tr>" +
                       "".join(f'<th scope="col">{e(t)}</th>' for _, t in cols) + "</tr></thead><tbody>")
            nowrap = {ID_COLUMN[s["query"]], "outcome", "due", "evidence"}
            for r in s["rows"]:
                out.append("<tr>" + "".join(_td(r.get(v), v in nowrap) for v, _ in cols) + "</tr>")
            out.append("</tbody></table>")
        with_params = "".join(f" <code>--param {e(k)}={e(str(v))}</code>" for k, v in (s.get("params") or {}).items())
        out.append(f'<p class="query">Question: <code>icsgraph query {e(s["query"])}</code>{with_params}</p>')
    out.append("<h2>Sources</h2><table><caption>The documents cited, by the short name the tables use"
               "</caption><thead><tr><th scope=\"col\">Short name</th><th scope=\"col\">Document</th>"
               "<th scope=\"col\">Date</th><th scope=\"col\">File</th></tr></thead><tbody>")
    for d in report["sources"]:
        out.append("<tr>" + _td(_doc_name(str(d.get("source") or ""))) +
                   "".join(_td(d.get(c)) for c in ("title", "date", "file")) + "</tr>")
    out.append("</tbody></table>")
    out.append(f'<p class="meta">{e(SOURCES_NOTE)}</p>')
    out.append('<h2>Notes: the questions behind the figures</h2><ol class="notes">')
    for q in notes:
        out.append(f'<li id="note-{number[q]}"><code>icsgraph query {e(q)}</code></li>')
    out.append("</ol></main></body></html>")
    return "\n".join(out) + "\n"


SOURCES_NOTE = ("Page numbers are the printed page numbers of the document (for the Delivery Plan, the pages of "
                "the committee pack). The Strategy has no page numbers: its items are located by the section "
                "of the shared outcome they sit in, or its enablers section. The JSON form of this report also "
                "gives the line of the text file under data/sources/.")


def to_md(report: dict) -> str:
    heat = report["heatmap"]
    notes = footnotes(report)
    number = {q: i + 1 for i, q in enumerate(notes)}
    out = [f"# {report['title']}", ""]
    for s in report["summary_sentences"]:
        out.append(s["text"] + "".join(f"[^{number[q]}]" for q in s["queries"]))
        out.append("")
    out += [f"As at {report['as_of']}; thin coverage = {report['threshold']} or fewer commitments and new actions.", "",
            "## Directorates and shared outcomes", "", HEAT_CAPTION, ""]
    rows = [{"directorate": d, **{o: f"{c[0]} / {c[1]}" for o, c in zip(heat["outcomes"], cells)},
             "total": f"{t[0]} / {t[1]}"}
            for d, cells, t in zip(heat["directorates"], heat["cells"], heat["totals"])]
    out.append(_md_table(rows, [("directorate", "Directorate"), *[(o, o) for o in heat["outcomes"]],
                                ("total", "Total (each counted once)")]))
    out += ["Outcomes: " + "; ".join(f"{o} {n}" for o, n in zip(heat["outcomes"], heat["outcome_names"])) + ".", "",
            "Questions: `directorate-outcome-matrix` (cells), `directorate-totals` (Total column).", ""]
    for s in report["sections"]:
        out += [f"## {s['title']} ({len(s['rows']) + int(s.get('withheld') or 0)})", "", s["explanation"], ""]
        if s.get("withheld"):
            out += [s["note"], ""]
        elif s["rows"]:
            cols = _display(s)
            out.append(_md_table(s["rows"], cols))
        else:
            out += ["None.", ""]
        with_params = "".join(f" --param {k}={v}" for k, v in (s.get("params") or {}).items())
        out += [f"Question: `icsgraph query {s['query']}{with_params}`", ""]
    out += ["## Sources", "", _md_table([{**d, "short": _doc_name(str(d.get("source") or ""))} for d in report["sources"]],
                                        [("short", "Short name"), ("title", "Document"), ("date", "Date"),
                                         ("file", "File")]), SOURCES_NOTE, ""]
    out += [f"[^{number[q]}]: `icsgraph query {q}`" for q in notes]
    return "\n".join(out) + "\n"


def _md_table(rows, cols) -> str:
    """A Markdown table with plain-word titles (works with either to_markdown signature)."""
    keyed = [{t: r.get(v) for v, t in cols} for r in rows]
    return to_markdown(keyed, [t for _, t in cols])


ITEM_COLUMNS = ["Section", "Question", "Code", "Name", "Detail", "Related codes", "Where it is stated"]


def items(report: dict) -> list[dict]:
    """One flat row per gap item (and per heat-map cell), for CSV."""
    out = []
    for s in report["sections"]:
        name_col = next((v for v in ("label", "title", "directorate") if v in s["columns"]), None)
        skip = set(EVIDENCE) | {"nodes", "evidence", ID_COLUMN[s["query"]], name_col}
        if s.get("withheld"):
            out.append({"Section": s["title"], "Question": s["query"], "Code": "", "Name": "", "Detail": s["note"],
                        "Related codes": "", "Where it is stated": ""})
        for r in s["rows"]:
            detail = "; ".join(f"{t}: {r[v]}" for v, t in s["columns"].items()
                               if v not in skip and r.get(v) not in (None, ""))
            out.append({"Section": s["title"], "Question": s["query"], "Code": r["nodes"][0],
                        "Name": r.get(name_col) if name_col else "", "Detail": detail,
                        "Related codes": "; ".join(r["nodes"][1:]), "Where it is stated": r["evidence"]})
    heat = report["heatmap"]
    for d, cells, total in zip(heat["directorates"], heat["cells"], heat["totals"]):
        for o, name, (commitments, actions) in zip(heat["outcomes"], heat["outcome_names"], cells):
            out.append({"Section": "Directorates and shared outcomes", "Question": "directorate-outcome-matrix",
                        "Code": o, "Name": d, "Detail": f"{name}: {commitments} commitments, {actions} new actions",
                        "Related codes": "", "Where it is stated": ""})
        out.append({"Section": "Directorates and shared outcomes", "Question": "directorate-totals",
                    "Code": "", "Name": d,
                    "Detail": f"total, each counted once: {total[0]} commitments, {total[1]} new actions",
                    "Related codes": "", "Where it is stated": ""})
    return out


def render(report: dict, fmt: str) -> str:
    if fmt == "html":
        return to_html(report)
    if fmt == "md":
        return to_md(report)
    if fmt == "csv":
        return to_csv(items(report), ITEM_COLUMNS)   # the shared writer: BOM, formulas neutralised
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
