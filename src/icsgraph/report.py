"""The council-wide collated progress update for one quarter (`icsgraph progress report`).

Every figure is the answer of a canned query run through `queries.run_query` (so the same
update comes from a remote SPARQL store with --endpoint): action-status, outcome-progress,
directorate-progress, returns-history, indicator-targets, indicator-trend. The status counts
and missing returns are counted from the action-status answer as the record stood: the
outcome-progress, directorate-progress and returns-missing queries give the same counts on
all four engines (tests/test_engines.py), but they count an action an officer added to the
tables after the quarter's update was taken, which the update leaves out.
This module only arranges the answers, works out the Open SDG progress measure for each
indicator, draws the charts (matplotlib, SVG) and writes HTML, Markdown, CSV or JSON.

An update is taken as at its quarter's collation date (the end of the next quarter, see
monitoring.Quarter): the queries leave out returns recorded later, so writing the update of
an earlier quarter again gives it as it stood then; whatever was recorded later for that
quarter or before is listed at the end as corrections and late returns.
"""
from __future__ import annotations

import datetime as _dt
import html
import io
import json
import re
from pathlib import Path

from .monitoring import MonitoringError, Quarter
from .queries import run_query, to_csv

FORMATS = ("html", "md", "csv", "json")
STATUS_ORDER = ("off-track", "at-risk", "on-track", "not-started", "complete", "stopped")
COUNT_COLUMNS = (("not_started", "Not started"), ("on_track", "On track"), ("at_risk", "At risk"),
                 ("off_track", "Off track"), ("complete", "Complete"), ("stopped", "Stopped"),
                 ("no_return", "No return"))
OPEN_SDG = ("Open SDG's progress measure (open-sdg/sdg-build, sdg/ProgressMeasure.py; Open SDG is "
            "the platform the ONS built for the UK's SDG data): the observed compound annual growth "
            "rate from the baseline to the latest reading, (latest / baseline)^(1 / years) - 1, is "
            "divided by the rate needed to go from the baseline to the target by the target year, "
            "(target / baseline)^(1 / years to target) - 1, with its sign turned for a target to "
            "reduce. A ratio of 0.95 or more is substantial progress (on course: moving in the stated "
            "direction at the pace the target needs); 0.6 to 0.95 moderate progress; 0 to 0.6 limited "
            "progress; below 0 deterioration (moving away from the target). A latest reading that "
            "already meets the target is 'target achieved'. Years are the first four digits of a "
            "period (2020/21 counts as 2020), as Open SDG does. Readings are compared only within "
            "one area: a Kent series is never measured against a Kent and Medway baseline.")
MEASURE_WORDS = {"target_achieved": "Target achieved", "substantial_progress": "Substantial progress (on course)",
                 "moderate_progress": "Moderate progress", "limited_progress": "Limited progress",
                 "deterioration": "Deterioration (moving away from the target)"}


def _num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _year(period) -> int | None:
    m = re.match(r"^\s*(\d{4})", str(period or ""))
    return int(m.group(1)) if m else None


def progress_measure(baseline: float, base_year: int, latest: float, latest_year: int,
                     target: float, target_year: int, direction: str) -> tuple[str, float | None]:
    """Open SDG's method 2 (a numeric target): (status, ratio of observed to required growth)."""
    sign = 1 if direction == "increase" else -1
    if (sign == 1 and latest >= target) or (sign == -1 and latest <= target):
        return "target_achieved", None
    if baseline == 0:
        baseline = 0.001  # as Open SDG does
    if target == 0:
        target = 0.001
    if latest_year <= base_year or target_year <= base_year or baseline * latest <= 0 or baseline * target <= 0:
        return "not_available", None
    observed = (latest / baseline) ** (1 / (latest_year - base_year)) - 1
    required = (target / baseline) ** (1 / (target_year - base_year)) - 1
    if required == 0:
        return "not_available", None
    ratio = (1 if baseline > 0 else -1) * sign * observed / abs(required)
    if ratio >= 0.95:
        return "substantial_progress", ratio
    if ratio >= 0.6:
        return "moderate_progress", ratio
    if ratio >= 0:
        return "limited_progress", ratio
    return "deterioration", ratio


def assess(series: list[dict], indicator: dict) -> list[dict]:
    """One assessment per area that has a dated baseline: how, and what it says."""
    out = []
    target, direction = _num(indicator.get("target")), indicator.get("direction")
    target_year = _year(indicator.get("target_year"))
    areas = sorted({r["area"] for r in series})
    for area in areas:
        rows = [r for r in series if r["area"] == area]
        base = next((r for r in rows if r.get("baseline") == "yes"), None)
        dated = sorted((r for r in rows if _year(r["period"]) is not None), key=lambda r: (_year(r["period"]), r["period"]))
        latest = dated[-1] if dated else None
        item = {"area": area, "baseline": base and base["value"], "baseline_period": base and base["period"],
                "latest": latest and latest["value"], "latest_period": latest and latest["period"],
                "measure": "not_available", "ratio": None}
        if direction not in ("increase", "reduce") or target is None or target_year is None:
            item["why"] = ("not assessed: the target is not a number with a direction and a year"
                           if direction != "maintain" else
                           "not assessed: a target to maintain a level has no pace to measure")
        elif base is None:
            others = sorted({r["area"] for r in series if r.get("baseline") == "yes"})
            item["why"] = (f"not assessed: no baseline for {area}"
                           + (f" (the baseline is for {', '.join(others)}: a figure for one area is not measured "
                              "against another's)" if others else ""))
        elif _year(base["period"]) is None:
            item["why"] = "not assessed: the sources give the baseline no period"
        elif latest is None or latest is base or _year(latest["period"]) <= _year(base["period"]):
            item["why"] = "not assessed: no reading since the baseline"
        else:
            measure, ratio = progress_measure(float(base["value"]), _year(base["period"]), float(latest["value"]),
                                              _year(latest["period"]), target, target_year, direction)
            item.update(measure=measure, ratio=None if ratio is None else round(ratio, 2))
            item["why"] = MEASURE_WORDS.get(measure, "not assessed")
            if ratio is not None:
                item["why"] += (f": {latest['value']} in {latest['period']} against {base['value']} in "
                                f"{base['period']}; {ratio:.2f} of the pace needed to reach {indicator.get('target')} "
                                f"by {indicator.get('target_year')}")
            if indicator.get("geography") and area != indicator.get("geography"):
                item["why"] += f" ({area} readings; the target is set for {indicator['geography']})"
        out.append(item)
    return out


# --- charts ---------------------------------------------------------------------------------

MARKERS = {"Kent": ("o", "-"), "Medway": ("s", "--"), "Kent and Medway": ("D", "-.")}


def chart_svg(indicator: dict, series: list[dict]) -> str:
    """Baseline, readings and target over time, as inline SVG (matplotlib, Agg/SVG backend,
    byte-identical from run to run)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with matplotlib.rc_context({"svg.hashsalt": "icsgraph", "svg.fonttype": "none", "font.size": 9,
                                "font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots(figsize=(6.4, 2.8))
        ticks = {}
        for area in sorted({r["area"] for r in series}):
            marker, style = MARKERS.get(area, ("^", ":"))
            pts = sorted(((_year(r["period"]), r) for r in series if r["area"] == area and _year(r["period"]) is not None),
                         key=lambda x: (x[0], x[1]["period"]))
            if pts:
                ax.plot([x for x, _ in pts], [float(r["value"]) for _, r in pts], linestyle=style, marker=marker,
                        color="#1d1d1b", label=f"{area}: readings")
                for x, r in pts:
                    ticks.setdefault(x, r["period"])
                    if r.get("baseline") == "yes":
                        ax.plot([x], [float(r["value"])], marker=marker, markersize=11, fillstyle="none",
                                color="#1d70b8", linestyle="none", label=f"{area}: baseline {r['period']}")
            for r in series:
                if r["area"] == area and _year(r["period"]) is None:
                    ax.axhline(float(r["value"]), color="#1d70b8", linestyle=":", linewidth=1,
                               label=f"{area}: baseline {r['value']} (period not stated)")
        target, ty = _num(indicator.get("target")), _year(indicator.get("target_year"))
        if target is not None:
            if ty is not None:
                ax.plot([ty], [target], marker="*", markersize=12, color="#00703c", linestyle="none",
                        label=f"target {indicator['target']} by {indicator.get('target_year')}")
                ticks.setdefault(ty, str(indicator.get("target_year")))
            ax.axhline(target, color="#00703c", linestyle="--", linewidth=0.8)
        if ticks:
            xs = sorted(ticks)
            ax.set_xticks(xs)
            crowded = len(xs) > 4 or (max(xs) - min(xs)) < 2 * len(xs)
            ax.set_xticklabels([ticks[x] for x in xs], rotation=45 if crowded else 0,
                               ha="right" if crowded else "center")
            ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
        unit = next((r.get("unit") for r in series if r.get("unit")), "")
        ax.set_ylabel(unit or "value")
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    svg = buf.getvalue()
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg[svg.index("<svg"):], flags=re.S)
    title = f"{indicator['indicator']}: baseline, readings and target over time"
    return svg.replace(">", f"><title>{e(title)}</title>", 1)


# --- collating --------------------------------------------------------------------------------

def _status_cell(r):
    return {"status": r.get("status"), "status_code": r.get("status_code"), "colour": r.get("status_colour")}


def default_period(*, as_of: _dt.date, **where) -> Quarter:
    """The latest quarter any return is for; with none, the last quarter that has ended."""
    history = run_query("returns-history", **where)
    periods = [Quarter.parse(r["period"]) for r in history]
    return max(periods) if periods else Quarter.containing(as_of).previous()


def collate(period: str | None = None, *, as_of: _dt.date | None = None, graph=None, graph_path=None,
            endpoint=None, endpoint_graph=None, queries_dir=None, with_charts: bool = True) -> dict:
    where = dict(graph=graph, graph_path=graph_path, endpoint=endpoint, endpoint_graph=endpoint_graph,
                 queries_dir=queries_dir)
    today = as_of or _dt.date.today()
    q = Quarter.parse(period) if period else default_period(as_of=today, **where)
    prev = q.previous()
    cutoff = q.collation_date
    taken = min(today, cutoff)
    p = str(q)

    def as_it_stood(rows, day):  # an action added to the tables after the day was not there yet
        return [r for r in rows if not r.get("added_on") or r["added_on"] <= day.isoformat()]
    actions = as_it_stood(run_query("action-status", period=p, **where), cutoff)
    before = {r["action"]: r for r in as_it_stood(run_query("action-status", period=str(prev), **where),
                                                   prev.collation_date)}
    outcomes = _counts(actions, "outcome", run_query("outcome-progress", period=p, **where))
    directorates = _counts(actions, "directorate", run_query("directorate-progress", period=p, **where))
    history = run_query("returns-history", **where)
    indicators = run_query("indicator-targets", **where)

    def in_force_by(rows, day):
        return [r for r in rows if r["recorded_on"] and r["recorded_on"] <= day.isoformat()]
    known = in_force_by(history, cutoff)
    last_return = {}
    for r in known:
        if r["period"] <= p:
            last_return[r["directorate"]] = max(last_return.get(r["directorate"], ""), r["period"])

    # per outcome: the at-risk and off-track actions, with narratives
    risky = [r for r in actions if r.get("status_code") in ("at-risk", "off-track")]
    risky.sort(key=lambda r: (STATUS_ORDER.index(r["status_code"]), r["directorate"], r["action"]))
    by_outcome = []
    for o in outcomes:
        by_outcome.append({**o, "at_risk_actions": [
            {k: r.get(k) for k in ("action", "action_iri", "title", "directorate", "status", "status_code",
                                    "status_colour", "narrative", "due")}
            for r in risky if o["outcome"] in (r.get("outcome") or "").split("; ")]})
    closed_before = {a for a, r in before.items() if r.get("status_code") in ("complete", "stopped")} | {
        r["action"] for r in actions if r.get("previous_status") in ("Complete", "Stopped") and not r.get("status")}
    past_due = [r for r in actions if r.get("due") and r["due"] < taken.isoformat() and not r.get("status")
                and r["action"] not in closed_before]
    # the returns-missing answer, counted from action-status as the record stood (so an action
    # added to the tables after the update was taken is not counted as missing)
    missing = {}
    for r in actions:
        if r["action"] in closed_before:
            continue
        m = missing.setdefault(r["directorate"], {"open_actions": 0, "returned": 0, "missing": 0})
        m["open_actions"] += 1
        m["returned" if r.get("status") else "missing"] += 1
    missing = {k: {kk: str(vv) for kk, vv in v.items()} for k, v in missing.items() if v["missing"]}
    by_directorate = []
    for d in directorates:
        name = d["directorate"]
        m = missing.get(name)
        stale = None
        if q.end < taken and (m is not None and m["returned"] == "0"):
            stale = (f"no return for {p}, which ended on {q.end.isoformat()}; "
                     + (f"last return for {last_return[name]}" if name in last_return else "no return ever recorded"))
        by_directorate.append({**d, "returned": None if m is None else m["returned"],
                               "missing": "0" if m is None else m["missing"],
                               "return_state": ("complete" if m is None else
                                                "no return" if m["returned"] == "0" else "incomplete"),
                               "last_return": last_return.get(name), "stale": stale,
                               "at_risk_actions": [r["action"] for r in risky if r["directorate"] == name],
                               "past_due_no_return": [r["action"] for r in past_due if r["directorate"] == name]})

    changes = []
    for r in actions:
        old = before.get(r["action"], {})
        if r.get("status") and old.get("status") and r["status"] != old["status"]:
            changes.append({"action": r["action"], "title": r["title"], "directorate": r["directorate"],
                            "change": "status changed", "from": old["status"], "to": r["status"],
                            "from_colour": old.get("status_colour"), "to_colour": r.get("status_colour")})
        elif r.get("status") and not old.get("status"):
            changes.append({"action": r["action"], "title": r["title"], "directorate": r["directorate"],
                            "change": "first return" if not r.get("previous_status") else "return after a gap",
                            "from": r.get("previous_status"), "to": r["status"],
                            "from_colour": None, "to_colour": r.get("status_colour")})
    for r in actions:
        if r["action"] not in before:
            changes.append({"action": r["action"], "title": r["title"], "directorate": r["directorate"],
                            "change": f"action added to the tables on {r.get('added_on')}", "from": None,
                            "to": r.get("status"), "from_colour": None, "to_colour": r.get("status_colour")})
    # actions with returns that are no longer in data/actions.csv (when is not recorded)
    removed = run_query("removed-actions", **where) if _has_query("removed-actions", queries_dir) else []
    for r in removed:
        changes.append({"action": r["action"], "title": "", "directorate": r["directorate"],
                        "change": f"action removed from data/actions.csv (when is not recorded); its returns for "
                                  f"{r['quarters']} quarter(s), the last for {r['last_period']}, are kept",
                        "from": r.get("last_status"), "to": "Removed", "from_colour": r.get("last_colour"),
                        "to_colour": None})
    later = [r for r in history if r["period"] <= p and r["recorded_on"] > cutoff.isoformat()]
    corrections = [{**r, "kind": "correction" if r["revision"] != "1" else "late return"} for r in later]
    replaced_in_time = [r for r in known if r["period"] == p and r["revision"] != "1"]

    indicator_items, new_readings = [], []
    prev_cutoff = prev.collation_date.isoformat()
    for ind in indicators:
        trend = run_query("indicator-trend", indicator=ind["indicator"], **where)
        trend = [r for r in trend if not r.get("recorded_on") or r["recorded_on"] <= cutoff.isoformat()]
        if not trend:
            continue
        for r in trend:
            if r.get("recorded_on") and prev_cutoff < r["recorded_on"] <= cutoff.isoformat():
                new_readings.append({"indicator": ind["indicator"], "label": ind["label"], **{
                    k: r[k] for k in ("period", "area", "value", "unit", "source", "recorded_on")}})
        series = [{k: r.get(k) for k in ("period", "area", "value", "unit", "baseline", "source", "recorded_on")}
                  for r in trend]
        item = {"indicator": ind["indicator"], "label": ind["label"], "outcome": ind.get("outcome"),
                "target": ind.get("target"), "target_year": ind.get("target_year"),
                "direction": ind.get("direction"), "geography": ind.get("geography"),
                "tracked_by": ind.get("tracked_by"), "readings": series,
                "assessment": assess(series, ind)}
        if with_charts:
            item["chart_svg"] = chart_svg(ind, series)
        indicator_items.append(item)

    returned = sum(1 for r in actions if r.get("status"))
    summary = _summary(q, taken, actions, returned, risky, past_due, by_directorate, indicator_items)
    if removed:
        summary += (f" {len(removed)} action{'s' if len(removed) != 1 else ''} with earlier returns "
                    f"{'are' if len(removed) != 1 else 'is'} no longer in data/actions.csv "
                    f"({', '.join(r['action'] for r in removed)}): see what changed.")
    return {"period": p, "period_words": q.words(), "previous_period": str(prev), "taken_as_at": taken.isoformat(),
            "collation_date": cutoff.isoformat(), "summary": summary, "method": OPEN_SDG,
            "outcomes": by_outcome, "directorates": by_directorate,
            "at_risk": [{k: r.get(k) for k in ("action", "action_iri", "title", "directorate", "outcome", "status",
                                                "status_code", "status_colour", "narrative", "due")} for r in risky],
            "past_due_no_return": [{k: r.get(k) for k in ("action", "action_iri", "title", "directorate", "due")}
                                   for r in past_due],
            "changes": changes, "new_readings": new_readings, "corrections_in_time": replaced_in_time,
            "recorded_after": corrections, "indicators": indicator_items, "actions": actions}


def _has_query(name: str, queries_dir=None) -> bool:
    """Whether the project's queries/ has this question (a project made before it was added may not)."""
    from .queries import QueryError, get_query
    try:
        get_query(name, queries_dir)
    except QueryError:
        return False
    return True


def _counts(actions: list[dict], key: str, rows: list[dict]) -> list[dict]:
    """The outcome-progress / directorate-progress rows with their counts taken from the
    action-status answer (status for the quarter; an action closed by an earlier return keeps
    that status). They agree (tested) except for an action added to the tables after the
    update was taken: the update leaves it out (as_it_stood), those two queries count it
    (2025-Q3 of the INVENTED example with A-GET-99: 18 GET actions against 17), so the
    update counts from action-status."""
    code_of = {"Not started": "not_started", "On track": "on_track", "At risk": "at_risk", "Off track": "off_track",
               "Complete": "complete", "Stopped": "stopped"}
    out = []
    for row in rows:
        mine = [a for a in actions if (row[key] in (a.get("outcome") or "").split("; ") if key == "outcome"
                                       else a["directorate"] == row["directorate"])]
        counts = dict.fromkeys(list(code_of.values()) + ["no_return"], 0)
        for a in mine:
            status = a.get("status") or (a.get("previous_status") if a.get("previous_status") in ("Complete", "Stopped")
                                         else None)
            counts[code_of[status] if status else "no_return"] += 1
        out.append({**row, "actions": str(len(mine)), **{k: str(v) for k, v in counts.items()}})
    return out


def _summary(q, taken, actions, returned, risky, past_due, directorates, indicators) -> str:
    n = len(actions)
    silent = [d["directorate"] for d in directorates if d["return_state"] == "no return"]
    parts = [f"Collated progress update for {q} ({q.words()}), as the record stood on {taken.isoformat()}."]
    if returned == 0:
        parts.append(f"No returns have come in for {q}: none of the {n} actions has a return.")
    else:
        parts.append(f"{returned} of {n} actions have a return for {q}; "
                     f"{sum(1 for r in risky if r['status_code'] == 'off-track')} off track and "
                     f"{sum(1 for r in risky if r['status_code'] == 'at-risk')} at risk.")
    parts.append(f"{len(past_due)} action{'s are' if len(past_due) != 1 else ' is'} past due with no return.")
    if silent:
        parts.append(f"No return from {len(silent)} of {len(directorates)} directorates: {', '.join(silent)}.")
    assessed = [a for i in indicators for a in i["assessment"] if a["measure"] != "not_available"]
    parts.append(f"{len(indicators)} indicators have readings; {len(assessed)} area series can be assessed for pace.")
    return " ".join(parts)


# --- writing ----------------------------------------------------------------------------------

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def badge(status, colour) -> str:
    """A status as its words beside a swatch of its colour: never colour alone."""
    if not status:
        return '<span class="status none">no return</span>'
    swatch = (f'<span class="swatch" style="background:{colour}" aria-hidden="true"></span>'
              if colour and HEX.match(colour) else "")
    return f'<span class="status">{swatch}{e(status)}</span>'


CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;max-width:1100px;margin:1.5em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.7em}h2{font-size:1.35em;margin-top:1.6em;border-bottom:2px solid #0b0c0c}h3{font-size:1.1em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}th,td{border:1px solid #b1b4b6;padding:4px 6px;text-align:left;vertical-align:top;font-size:.92em}
th{background:#f3f2f1}td.n{text-align:right}.status{white-space:nowrap}.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #0b0c0c;margin-right:.35em;vertical-align:-.1em}
.status.none{font-style:italic}.summary{font-size:1.1em;background:#f3f2f1;padding:.8em 1em;border-left:5px solid #1d70b8}
figure{margin:.5em 0 1.5em}figcaption{font-size:.9em}.note{color:#505a5f;font-size:.92em}
@media print{h2{page-break-after:avoid}figure,table{page-break-inside:avoid}}
"""


def to_html(report: dict) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Collated progress update {e(report['period'])}</title>",
           f"<style>{CSS}</style></head><body>",
           f"<h1>Collated progress update: {e(report['period'])} ({e(report['period_words'])})</h1>",
           f'<p class="summary">{e(report["summary"])}</p>',
           f'<p class="note">Taken as at {e(report["taken_as_at"])}: returns recorded after '
           f'{e(report["collation_date"])} (the end of the following quarter) are not counted here, so this '
           "update reads the same whenever it is written again; anything recorded later is listed at the end.</p>"]
    out.append("<h2>By shared outcome</h2>")
    out.append(_html_counts(report["outcomes"], "outcome", "Outcome", label="label"))
    for o in report["outcomes"]:
        if o["at_risk_actions"]:
            out.append(f"<h3>{e(o['outcome'])} {e(o['label'])}: at risk and off track</h3>")
            out.append(_html_table([("Action", lambda r: _link(r["action"], r.get("action_iri"))),
                                    ("Title", lambda r: e(r["title"])), ("Directorate", lambda r: e(r["directorate"])),
                                    ("Status", lambda r: badge(r["status"], r["status_colour"])),
                                    ("Narrative", lambda r: e(r["narrative"])), ("Due", lambda r: e(r["due"]))],
                                   o["at_risk_actions"]))
    out.append("<h2>By directorate</h2>")
    out.append(_html_counts(report["directorates"], "directorate", "Directorate"))
    out.append("<h3>Returns for the quarter</h3>")
    out.append(_html_table([("Directorate", lambda r: e(r["directorate"])),
                            ("Return", lambda r: e(r["return_state"])),
                            ("Actions returned", lambda r: e(r["returned"] if r["returned"] is not None else r["actions"])),
                            ("Missing", lambda r: e(r["missing"])),
                            ("Latest quarter returned", lambda r: e(r["last_return"] or "none")),
                            ("Stale", lambda r: e(r["stale"] or "")),
                            ("Past due with no return", lambda r: e(", ".join(r["past_due_no_return"])))],
                           report["directorates"]))
    out.append(f"<h2>Actions past due with no return ({len(report['past_due_no_return'])})</h2>")
    out.append(_html_table([("Action", lambda r: _link(r["action"], r.get("action_iri"))), ("Title", lambda r: e(r["title"])),
                            ("Directorate", lambda r: e(r["directorate"])), ("Due", lambda r: e(r["due"]))],
                           report["past_due_no_return"]) if report["past_due_no_return"] else "<p>None.</p>")
    out.append(f"<h2>What changed since {e(report['previous_period'])}</h2>")
    if report["changes"]:
        out.append(_html_table([("Action", lambda r: e(r["action"])), ("Title", lambda r: e(r["title"])),
                                ("Directorate", lambda r: e(r["directorate"])), ("Change", lambda r: e(r["change"])),
                                ("Was", lambda r: badge(r["from"], r["from_colour"]) if r["from"] else ""),
                                ("Now", lambda r: badge(r["to"], r["to_colour"]))], report["changes"]))
    else:
        out.append("<p>No status changed and no new return came in.</p>")
    if report["new_readings"]:
        out.append("<h3>New readings</h3>")
        out.append(_html_table([("Indicator", lambda r: e(f"{r['indicator']} {r['label']}")), ("Period", lambda r: e(r["period"])),
                                ("Area", lambda r: e(r["area"])), ("Value", lambda r: e(f"{r['value']} {r['unit'] or ''}")),
                                ("Source", lambda r: e(r["source"]))], report["new_readings"]))
    if report["corrections_in_time"]:
        out.append("<h3>Returns corrected before this update was taken</h3>")
        out.append(_html_table([("Action", lambda r: e(r["action"])), ("Revision", lambda r: e(r["revision"])),
                                ("Status", lambda r: badge(r["status"], None)), ("Recorded on", lambda r: e(r["recorded_on"]))],
                               report["corrections_in_time"]))
    out.append("<h2>Indicators: readings against target</h2>")
    out.append(f'<p class="note">How the pace is judged: {e(report["method"])}</p>')
    if not report["indicators"]:
        out.append("<p>No indicator has a reading.</p>")
    for i in report["indicators"]:
        out.append(f'<h3 id="indicator-{e(i["indicator"])}">{e(i["indicator"])} {e(i["label"])}</h3>')
        out.append(f'<p>Target: {e(i["target"] or "none stated")}{" by " + e(i["target_year"]) if i["target_year"] else ""}'
                   f'{" (" + e(i["direction"]) + ")" if i["direction"] else ""}; for {e(i["geography"] or "an area not stated")}. '
                   f'Tracked by: {e(i["tracked_by"] or "no directorate logframe")}.</p>')
        out.append("<ul>" + "".join(f"<li><strong>{e(a['area'])}</strong>: {e(a['why'])}</li>" for a in i["assessment"]) + "</ul>")
        if i.get("chart_svg"):
            out.append(f'<figure id="chart-{e(i["indicator"])}" role="group" aria-labelledby="cap-{e(i["indicator"])}">'
                       f'{i["chart_svg"]}<figcaption id="cap-{e(i["indicator"])}">{e(i["indicator"])}: baseline, readings '
                       "and target over time (the table below gives the same figures).</figcaption></figure>")
        out.append(_html_table([("Period", lambda r: e(r["period"])), ("Area", lambda r: e(r["area"])),
                                ("Value", lambda r: e(r["value"])), ("Unit", lambda r: e(r["unit"])),
                                ("Baseline", lambda r: e(r["baseline"])), ("Source", lambda r: e(r["source"]))],
                               i["readings"]))
    out.append("<h2>Recorded after this update was taken</h2>")
    if report["recorded_after"]:
        out.append(_html_table([("Action", lambda r: e(r["action"])), ("Quarter", lambda r: e(r["period"])),
                                ("Kind", lambda r: e(r["kind"])), ("Revision", lambda r: e(r["revision"])),
                                ("Status", lambda r: badge(r["status"], None)), ("Narrative", lambda r: e(r["narrative"])),
                                ("Recorded on", lambda r: e(r["recorded_on"]))], report["recorded_after"]))
    else:
        out.append("<p>Nothing: no correction or late return has been recorded since.</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _link(text, iri):
    return f'<a href="{e(iri)}">{e(text)}</a>' if iri else e(text)


def _html_table(columns, rows) -> str:
    head = "".join(f'<th scope="col">{e(t)}</th>' for t, _ in columns)
    body = "".join("<tr>" + "".join(f"<td>{fn(r)}</td>" for _, fn in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_counts(rows, key, title, label=None) -> str:
    cols = [(title, lambda r: e(r[key] + (" " + r[label] if label else "")))]
    cols += [("Actions", lambda r: e(r["actions"]))]
    cols += [(t, (lambda k: lambda r: e(r[k]))(k)) for k, t in COUNT_COLUMNS]
    return _html_table(cols, rows)


def _md(value) -> str:
    return ("" if value is None else str(value)).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(headers, rows) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def to_markdown(report: dict) -> str:
    out = [f"# Collated progress update: {report['period']} ({report['period_words']})", "", report["summary"], "",
           f"Taken as at {report['taken_as_at']}: returns recorded after {report['collation_date']} are not counted.", "",
           "## By shared outcome", ""]
    out.append(_md_table(["Outcome", "Actions"] + [t for _, t in COUNT_COLUMNS],
                         [[f"{o['outcome']} {o['label']}", o["actions"]] + [o[k] for k, _ in COUNT_COLUMNS]
                          for o in report["outcomes"]]))
    for o in report["outcomes"]:
        if o["at_risk_actions"]:
            out += [f"### {o['outcome']}: at risk and off track", ""]
            out.append(_md_table(["Action", "Title", "Directorate", "Status", "Narrative", "Due"],
                                 [[r["action"], r["title"], r["directorate"], r["status"], r["narrative"], r["due"]]
                                  for r in o["at_risk_actions"]]))
    out += ["## By directorate", ""]
    out.append(_md_table(["Directorate", "Actions"] + [t for _, t in COUNT_COLUMNS] + ["Return", "Latest quarter returned", "Stale"],
                         [[d["directorate"], d["actions"]] + [d[k] for k, _ in COUNT_COLUMNS]
                          + [d["return_state"], d["last_return"] or "none", d["stale"] or ""] for d in report["directorates"]]))
    out += [f"## Actions past due with no return ({len(report['past_due_no_return'])})", ""]
    out.append(_md_table(["Action", "Title", "Directorate", "Due"],
                         [[r["action"], r["title"], r["directorate"], r["due"]] for r in report["past_due_no_return"]])
               if report["past_due_no_return"] else "None.\n")
    out += [f"## What changed since {report['previous_period']}", ""]
    out.append(_md_table(["Action", "Directorate", "Change", "Was", "Now"],
                         [[c["action"], c["directorate"], c["change"], c["from"] or "", c["to"]] for c in report["changes"]])
               if report["changes"] else "No status changed and no new return came in.\n")
    if report["new_readings"]:
        out += ["### New readings", ""]
        out.append(_md_table(["Indicator", "Period", "Area", "Value", "Source"],
                             [[r["indicator"], r["period"], r["area"], f"{r['value']} {r['unit'] or ''}".strip(), r["source"]]
                              for r in report["new_readings"]]))
    out += ["## Indicators: readings against target", "", "How the pace is judged: " + report["method"], ""]
    for i in report["indicators"]:
        out += [f"### {i['indicator']} {i['label']}", "",
                f"Target: {i['target'] or 'none stated'}" + (f" by {i['target_year']}" if i["target_year"] else "")
                + f"; tracked by: {i['tracked_by'] or 'no directorate logframe'}.", ""]
        out += [f"- {a['area']}: {a['why']}" for a in i["assessment"]] + [""]
        out.append(_md_table(["Period", "Area", "Value", "Unit", "Baseline", "Source"],
                             [[r["period"], r["area"], r["value"], r["unit"], r["baseline"], r["source"]] for r in i["readings"]]))
    out += ["## Recorded after this update was taken", ""]
    out.append(_md_table(["Action", "Quarter", "Kind", "Revision", "Status", "Recorded on"],
                         [[r["action"], r["period"], r["kind"], r["revision"], r["status"], r["recorded_on"]]
                          for r in report["recorded_after"]])
               if report["recorded_after"] else "Nothing: no correction or late return has been recorded since.\n")
    return "\n".join(out)


CSV_COLUMNS = {"period": "Quarter", "action": "Action", "title": "Title", "directorate": "Directorate",
               "outcome": "Shared outcomes", "due": "Due date", "status": "Status", "narrative": "Narrative",
               "evidence": "Evidence", "reported_on": "Reported on", "previous_status": "Previous status",
               "past_due_no_return": "Past due with no return"}


def to_csv_text(report: dict) -> str:
    past_due = {r["action"] for r in report["past_due_no_return"]}
    rows = [{**r, "status": r.get("status") or "no return", "past_due_no_return": "yes" if r["action"] in past_due else ""}
            for r in report["actions"]]
    return to_csv(rows, list(CSV_COLUMNS), CSV_COLUMNS)


def to_json_text(report: dict) -> str:
    data = {k: v for k, v in report.items()}
    data["indicators"] = [{k: v for k, v in i.items() if k != "chart_svg"} for i in report["indicators"]]
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def render(report: dict, fmt: str) -> str:
    if fmt == "html":
        return to_html(report)
    if fmt == "md":
        return to_markdown(report)
    if fmt == "csv":
        return to_csv_text(report)
    if fmt == "json":
        return to_json_text(report)
    raise MonitoringError(f"unknown report format '{fmt}' (one of {', '.join(FORMATS)})")


def write_report(report: dict, path: Path, fmt: str) -> Path:
    from .build import write_atomically
    write_atomically(Path(path), render(report, fmt))
    return Path(path)
