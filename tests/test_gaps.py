"""The gap report (icsgraph.gaps, `icsgraph gaps`, `icsgraph all`).

Two data sets:
- tests/fixtures/gaps, small and hand-written (see tests/test_queries.py for it in words), as
  at 2025-06-01 with the default threshold 2. Gaps worked out by hand: SO4 has no action and
  no commitment; P-SO1-2 and P-SO4-1 have no commitment; E3 has no action; the strategy
  indicators I-SO1-1, I-SO2-2, I-SO3-2 and I-SO4-1 are in no logframe, and of those I-SO2-2
  (employment) and I-SO4-1 (carers) share no topic with any commitment or action under
  their outcome; hr (People) owns no action; A-PH-02 lacks a lead and a date ("Ongoing"),
  A-PH-03 a measure; A-PH-03 (with progress) and A-GET-01 are past their date;
  C-SO3-GET-01 names no mechanism. Near misses: SO1 and cype have 3 commitments + actions;
  A-CYPE-01 is due on the day itself; I-SO3-2 is covered by an action on alcohol, a
  narrower topic; I-SO3-1 by a logframe.
- the real data/ tables: every figure the report states is checked against a count made
  here, independently, from the CSV files (never from the code under test).
"""
import csv
import datetime as dt
import html
import io
import json
import re
import shutil
from collections import Counter

import pytest
from rdflib import Graph

from conftest import ROOT, make_project, run_cli
from icsgraph.build import build_graph
from icsgraph.gaps import ITEM_COLUMNS, SECTIONS, gap_report, render
from icsgraph.queries import list_queries, run_query

FIXTURE = ROOT / "tests" / "fixtures" / "gaps"
DATA = ROOT / "data"
AS_OF = "2025-06-01"
REAL_AS_OF = "2026-12-01"


def oxigraph(g):
    ox = Graph(store="Oxigraph")
    ox += g
    return ox


def table(name, folder=DATA):
    with (folder / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graph():
    return oxigraph(build_graph(FIXTURE, ROOT / "ontology"))


@pytest.fixture(scope="module")
def report(graph):
    return gap_report(graph, as_of=AS_OF)


@pytest.fixture(scope="module")
def real_report():
    return gap_report(oxigraph(build_graph(DATA, ROOT / "ontology")), as_of=REAL_AS_OF)


def codes(report, query):
    section = next(s for s in report["sections"] if s["query"] == query)
    return [r["nodes"][0] for r in section["rows"]]


def rows_of(report, query):
    return next(s for s in report["sections"] if s["query"] == query)["rows"]


# --- the fixture ---------------------------------------------------------------------------

def test_each_section_lists_exactly_the_gaps(report):
    assert {s["query"]: codes(report, s["query"]) for s in report["sections"]} == {
        "outcomes-without-actions": ["SO4"],
        "priorities-without-commitments": ["P-SO1-2", "P-SO4-1"],
        "enablers-without-actions": ["E3"],
        "thin-coverage": ["P-SO1-1", "P-SO2-1", "E1", "E2", "P-SO2-2", "P-SO3-1"],
        "indicators-not-in-logframes": ["I-SO1-1", "I-SO2-2", "I-SO3-2", "I-SO4-1"],
        "indicators-without-actions": ["I-SO2-2", "I-SO4-1"],
        "directorates-without-actions": ["People"],
        "incomplete-actions": ["A-PH-02", "A-PH-03"],
        "overdue-actions": ["A-PH-03", "A-GET-01"],
        "actions-without-return": ["A-CYPE-01", "A-CYPE-02", "A-GET-01", "A-PH-01", "A-PH-02", "A-PH-04"],
        "returns-missing": ["Children and Young People", "Growth and Transport", "Public Health"],
        "commitments-without-mechanisms": ["C-SO3-GET-01"]}


def test_near_misses_are_not_reported(report):
    reported = {code for s in report["sections"] for code in codes(report, s["query"])
                if s["query"] not in ("actions-without-return", "returns-missing")}
    for near_miss in ("SO1", "cype", "A-CYPE-01", "I-SO3-1", "SO2", "SO3", "Public Health"):
        assert near_miss not in reported
    assert "I-SO3-2" not in codes(report, "indicators-without-actions")   # an action on alcohol, a narrower topic
    assert "P-SO2-1" not in codes(report, "priorities-without-commitments")


def test_threshold_and_as_of_are_configurable(graph):
    at3 = gap_report(graph, as_of=AS_OF, threshold=3)
    assert {"SO1", "cype"} <= set(codes(at3, "thin-coverage"))
    assert "3 or fewer" in at3["summary"]
    assert codes(gap_report(graph, as_of=AS_OF, threshold=0), "thin-coverage") == []
    later = gap_report(graph, as_of=dt.date(2027, 1, 1))
    assert codes(later, "overdue-actions") == ["A-PH-03", "A-GET-01", "A-CYPE-01", "A-PH-01", "A-PH-04", "A-CYPE-02"]
    assert gap_report(graph)["as_of"] == dt.date.today().isoformat()
    with pytest.raises(ValueError):
        gap_report(graph, threshold=-1)


def test_every_item_says_where_it_is_stated(report):
    rows = {(s["query"], r["nodes"][0]): r for s in report["sections"] for r in s["rows"]}
    assert rows[("outcomes-without-actions", "SO4")]["evidence"] == \
        "Strat (no page numbers), section of SO4 Carers and long-term conditions"
    assert rows[("enablers-without-actions", "E3")]["evidence"] == "Strat (no page numbers), enablers section"
    assert rows[("overdue-actions", "A-GET-01")]["evidence"] == "Plan p. 20"
    assert rows[("directorates-without-actions", "People")]["evidence"] == "Plan p. 3"
    assert rows[("thin-coverage", "P-SO2-2")]["nodes"] == ["P-SO2-2", "C-SO2-GET-01", "C-SO2-PH-01"]
    assert all(r["evidence"] for (query, _), r in rows.items() if query != "returns-missing")
    assert all(not r["evidence"] for (query, _), r in rows.items() if query == "returns-missing")  # no document
    assert not any(re.search(r"\bline \d", r["evidence"]) for r in rows.values())


def test_the_report_is_built_only_from_the_canned_queries(graph, report):
    names = {q.name for q in list_queries()}
    for s in report["sections"]:
        assert s["query"] in names
        params = {"thin-coverage": {"threshold": 2}, "overdue-actions": {"as_of": AS_OF},
                  "actions-without-return": {"period": "2025-Q1"}, "returns-missing": {"period": "2025-Q1"}
                  }.get(s["query"], {})
        fresh = run_query(s["query"], graph=graph, **params)
        assert [{k: v for k, v in r.items() if k not in ("nodes", "evidence")} for r in s["rows"]] == fresh
    assert len(SECTIONS) == len(report["sections"])
    for sentence in report["summary_sentences"]:
        assert sentence["queries"] and set(sentence["queries"]) <= names


def test_heat_map_holds_the_matrix_and_distinct_totals(report):
    heat = report["heatmap"]
    assert heat["directorates"] == ["Children and Young People", "Growth and Transport", "People", "Public Health"]
    assert heat["outcomes"] == ["SO1", "SO2", "SO3", "SO4"]
    assert heat["outcome_names"][3] == "Carers and long-term conditions"
    assert heat["cells"][3] == [[0, 1], [1, 0], [1, 3], [0, 0]]   # Public Health: commitments, actions
    assert heat["cells"][2] == [[0, 0]] * 4                      # People
    # Public Health owns 4 actions; A-PH-03..04 and A-PH-01..02 name one outcome each -> row sums 4 too
    assert heat["totals"][3] == [2, 4]
    # Growth and Transport: A-GET-01 names SO2 and SO3, so the row's cells add up to 2 actions for 1
    assert sum(c[1] for c in heat["cells"][1]) == 2 and heat["totals"][1] == [3, 1]


def test_summary_paragraph(report):
    assert report["summary"] == (
        "As at 1 June 2025, the Delivery Plan records 6 commitments (Appendix A) and 7 new actions (Appendix B) "
        "from 4 directorates, against the Strategy's 4 shared outcomes, 6 priorities and 3 enablers. "
        "1 shared outcome (SO4 Carers and long-term conditions) has no new action and no commitment either. "
        "2 of the 6 priorities have no commitment (P-SO1-2 Healthy children; P-SO4-1 Support carers). "
        "1 of the 3 enablers has no new action under it (E3 Engage communities). "
        "6 items have 2 or fewer commitments and new actions behind them: priority P-SO1-1 Support families "
        "(1 commitment); priority P-SO2-1 Economic determinants (1 commitment); enabler E1 Research (1 new action); "
        "enabler E2 Leadership (1 new action); priority P-SO2-2 Social determinants (2 commitments); "
        "priority P-SO3-1 Healthy behaviours (2 commitments). "
        "No directorate's logframe tracks 4 of the Strategy's indicators: 4 defined ones (I-SO1-1 Good level of "
        "development; I-SO2-2 Employment; I-SO3-2 Substance misuse admissions and 1 more). "
        "2 indicators of the Strategy have nothing in the Delivery Plan linked to them: no logframe tracks them, "
        "and no commitment or new action under their outcome shares a topic with them (I-SO2-2 Employment; "
        "I-SO4-1 Carer satisfaction). "
        "1 directorate owns no new action: People (0 commitments). "
        "1 new action has no measure (A-PH-03 Healthy weight pilot); 1 new action has no lead (A-PH-02 Ongoing "
        "training). 1 new action has no due date: 1 is \"Ongoing\". "
        "2 new actions had a due date before 1 June 2025; 1 of them has progress recorded. "
        "For 2025-Q1, the latest quarter that ended before 1 June 2025, 6 new actions have no progress return, "
        "and the returns of 3 directorates are missing or incomplete: Children and Young People (2 of 2 missing); "
        "Growth and Transport (1 of 1 missing); Public Health (3 of 4 missing). "
        "1 commitment names no plan, service or programme that delivers it.")


def test_html_is_self_contained_accessible_and_opens_with_the_summary(report):
    page = render(report, "html")
    for external in ("http://", "https://", "src=", "<link", "<script", "url(", "@import"):
        assert external not in page
    body = page.split("<body>", 1)[1]
    assert re.match(r"\s*<main>\s*<h1>[^<]+</h1>\s*<div class=\"summary\">\s*<p>As at 1 June 2025", body)
    heat = page.split('<table class="heat">', 1)[1].split("</table>", 1)[0]
    assert "<caption>" in heat and "counted once in each" in heat and 'scope="col"' in heat
    for name in report["heatmap"]["directorates"]:
        assert f'<th scope="row">{name}</th>' in heat
    assert "1 / 3" in heat and "2 / 4" in heat and "@media print" in page
    # every table has a caption and column headers
    assert page.count("<table") == page.count("<caption>") == page.count("<thead>")
    # the footnotes name every query the summary states
    for q in {q for s in report["summary_sentences"] for q in s["queries"]}:
        assert f"<code>icsgraph query {q}</code>" in page


def test_markdown_csv_and_json(report):
    md = render(report, "md")
    assert md.startswith("# Gap analysis")
    assert "| Public Health | 0 / 1 | 1 / 0 | 1 / 3 | 0 / 0 | 2 / 4 |" in md
    assert "| SO4 | Carers and long-term conditions | 0 | Strat (no page numbers), section of SO4 Carers and " \
           "long-term conditions |" in md
    assert "[^1]: `icsgraph query graph-counts`" in md
    text = render(report, "csv")
    assert text.startswith("\ufeff")  # the shared CSV writer's byte-order mark
    text = text[1:]
    items = list(csv.DictReader(io.StringIO(text)))
    assert list(items[0]) == ITEM_COLUMNS
    gaps = [i for i in items if not i["Question"].startswith("directorate-")]
    assert len(gaps) == 1 + 2 + 1 + 6 + 4 + 2 + 1 + 2 + 2 + 6 + 3 + 1 and len(items) == len(gaps) + 16 + 4
    assert {"Question": "overdue-actions", "Code": "A-GET-01", "Name": "Expand social prescribing",
            "Where it is stated": "Plan p. 20"}.items() <= next(
        i for i in items if i["Question"] == "overdue-actions" and i["Code"] == "A-GET-01").items()
    data = json.loads(render(report, "json"))
    assert data["as_of"] == AS_OF and data["threshold"] == 2 and data["summary"] == report["summary"]
    assert [s["query"] for s in data["sections"]] == [s[0] for s in SECTIONS]


def test_hostile_text_is_escaped_in_html_and_neutralised_in_csv(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    hostile = {"organisations": ("hr", "label", 'People <script>alert("x")</script> & Co'),
               "actions": ("A-PH-02", "title", '=HYPERLINK("http://evil.example","x") <img src=x onerror=alert(1)>'),
               "enablers": ("E3", "label", "@SUM(1+1) Engage </td></tr></table> communities")}
    for name, (row_id, column, value) in hostile.items():
        rows = table(name, data)
        for r in rows:
            if r["id"] == row_id:
                r[column] = value
        with (data / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    report = gap_report(oxigraph(build_graph(data, ROOT / "ontology")), as_of=AS_OF)
    page = render(report, "html")
    assert "<script" not in page and "<img" not in page and "</td></tr></table> communities" not in page
    assert "People &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    cells = [c for row in csv.reader(io.StringIO(render(report, "csv").lstrip("\ufeff"))) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\") <img src=x onerror=alert(1)>" in cells
    assert "'@SUM(1+1) Engage </td></tr></table> communities" in cells
    # JSON keeps the exact text
    assert '=HYPERLINK(\\"http://evil.example\\",\\"x\\")' in render(report, "json")


def test_html_passes_axe_in_chromium(real_report, tmp_path):
    """The real report in Debian's Chromium: no accessibility violation axe-core finds (contrast of
    the heat map's numbers on their shading, landmarks, table headers), on screen and in print."""
    import os
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip(f"{chromium} is missing (apt-get install chromium)")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
    page_file = tmp_path / "gaps.html"
    page_file.write_text(render(real_report, "html"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            result = Axe().run(page)
            assert result.violations_count == 0, result.generate_report()
            page.emulate_media(media="print")
            assert page.evaluate("getComputedStyle(document.querySelector('thead')).display") == "table-header-group"
        finally:
            browser.close()


# --- the real data: every figure against a count made here from the CSV files ----------------

def test_real_heat_map_totals_are_distinct_actions_per_directorate(real_report):
    heat = real_report["heatmap"]
    names = {r["id"]: r["label"] for r in table("organisations")}
    actions = Counter(names[r["directorate"]] for r in table("actions"))
    commitments = Counter(names[r["directorate"]] for r in table("commitments"))
    got = {d: tuple(t) for d, t in zip(heat["directorates"], heat["totals"])}
    assert got == {d: (commitments[d], actions[d]) for d in heat["directorates"]}
    assert got["Public Health"][1] == 34 == actions["Public Health"]
    # ... while the cells count an action once per outcome it names (Public Health's row: 86)
    row = heat["cells"][heat["directorates"].index("Public Health")]
    assert sum(c[1] for c in row) == sum(len(r["outcomes"].split(";")) for r in table("actions")
                                         if r["directorate"] == "public-health")
    assert "counted once in each" in render(real_report, "html")


def test_real_logframe_fact_matches_the_tables(real_report):
    tracked = {r["indicator"] for r in table("logframe")}
    expected = [r for r in table("indicators") if r["source"] == "strategy" and r["id"] not in tracked]
    rows = rows_of(real_report, "indicators-not-in-logframes")
    assert [r["indicator"] for r in rows] == sorted((r["id"] for r in expected), key=lambda i: (i[:5], i))
    defined = [r for r in expected if r["status"] == "defined"]
    later = [r for r in expected if r["status"] == "to-be-developed"]
    assert (len(defined), len(later)) == (12, 5)   # 11 with a figure, plus net zero; and SO6's five
    assert (f"No directorate's logframe tracks {len(expected)} of the Strategy's indicators: "
            f"{len(defined)} defined ones") in real_report["summary"]


def test_real_attainment_8_is_worked_towards_by_commitments(real_report):
    commitments = {r["id"]: r for r in table("commitments")}
    for cid in ("C-SO1-CYPE-22", "C-SO1-GET-16"):   # "improve pupil attainment ... attainment 8 scores"
        assert "attainment 8" in commitments[cid]["label"].lower()
        assert "school-attainment" in commitments[cid]["topics"]
    assert "I-SO1-5" not in [r["indicator"] for r in rows_of(real_report, "indicators-without-actions")]
    row = next(r for r in rows_of(real_report, "indicators-not-in-logframes") if r["indicator"] == "I-SO1-5")
    assert int(row["commitments"]) >= 2
    assert "linked to the Delivery Plan only by shared topic" in real_report["summary"]


def test_real_progress_is_said_to_be_unrecorded_not_late(real_report):
    actions = table("actions")
    assert table("progress") == []  # no returns in data/progress.csv (the progress column gave way to them)
    past = [r for r in actions if r["due_date"] and r["due_date"] < REAL_AS_OF]
    for fmt in ("html", "md", "csv", "json"):
        assert "no recorded progress" not in render(real_report, fmt)
    assert "No progress has been recorded for any action yet." in real_report["summary"]
    assert (f"{len(past)} new actions had a due date before 1 December 2026; whether they were done is not "
            "recorded.") in real_report["summary"]
    assert len(rows_of(real_report, "overdue-actions")) == len(past) == 41
    owners = {r["directorate"] for r in actions}
    assert (f"No progress has been recorded for any action yet. {len(past)} new actions had a due date before "
            f"1 December 2026; whether they were done is not recorded. None of the {len(owners)} directorates that "
            f"own new actions has sent a progress return for 2026-Q3, the latest quarter that ended before "
            f"1 December 2026, so all {len(actions)} new actions are without one.") in real_report["summary"]


def test_real_missing_returns_are_said_once_not_listed_as_a_wall(real_report):
    """data/progress.csv is empty: the section says no return has been received and how to list the
    actions; it does not list all 86 (the directorates, one row each, are listed)."""
    actions = table("actions")
    section = next(s for s in real_report["sections"] if s["query"] == "actions-without-return")
    assert section["rows"] == [] and section["withheld"] == len(actions) == 86
    assert section["title"] == "New actions with no progress return for 2026-Q3"
    assert "No progress return has been received for any quarter yet" in section["note"]
    names = {r["id"]: r["label"] for r in table("organisations")}
    owned = Counter(names[r["directorate"]] for r in actions)
    assert {r["directorate"]: (int(r["open_actions"]), int(r["returned"]), int(r["missing"]))
            for r in rows_of(real_report, "returns-missing")} == {d: (n, 0, n) for d, n in owned.items()}
    page = render(real_report, "html")
    assert f"New actions with no progress return for 2026-Q3 (86)</h2>" in page
    assert html.escape(section["note"]) in page and "A-CYPE-01" not in page.split("2026-Q3 (86)")[1].split("<h2>")[0]
    md = render(real_report, "md")
    assert section["note"] in md and "## New actions with no progress return for 2026-Q3 (86)" in md
    items = list(csv.DictReader(io.StringIO(render(real_report, "csv").lstrip("\ufeff"))))
    assert [i["Detail"] for i in items if i["Question"] == "actions-without-return"] == [section["note"]]
    # footnoted like every other figure: the summary sentence names the canned questions
    sentence = next(x for x in real_report["summary_sentences"] if "has sent a progress return" in x["text"])
    assert sentence["queries"] == ["progress-recorded", "returns-missing", "actions-without-return"]
    for q in sentence["queries"]:
        assert f"<code>icsgraph query {q}</code></li>" in page
    # under each table, the question with the parameters the report gave it
    assert ("Question: <code>icsgraph query actions-without-return</code> <code>--param period=2026-Q3</code>"
            in page and "Question: `icsgraph query returns-missing --param period=2026-Q3`" in md)
    assert "Question: `icsgraph query overdue-actions --param as_of=2026-12-01`" in md


def test_real_ongoing_is_counted_apart_from_a_missing_date(real_report):
    actions = table("actions")
    no_date = [r for r in actions if not r["due_date"]]
    ongoing = [r for r in no_date if r["timescale"].strip().lower() == "ongoing"]
    no_measure = [r for r in actions if not r["measure"].strip()]
    assert (len(no_date), len(ongoing), len(no_measure)) == (27, 14, 1)
    assert (f"{len(no_date)} new actions have no due date: {len(ongoing)} are \"Ongoing\" and "
            f"{len(no_date) - len(ongoing)} have a timescale from which no due date can be read") in real_report["summary"]
    rows = rows_of(real_report, "incomplete-actions")
    assert sorted(r["action"] for r in rows if r["ongoing"] == "yes") == sorted(r["id"] for r in ongoing)


def test_real_names_beside_codes(real_report):
    outcomes = {r["id"]: r["label"] for r in table("outcomes")}
    assert real_report["heatmap"]["outcome_names"] == [outcomes[o] for o in real_report["heatmap"]["outcomes"]]
    page, md = render(real_report, "html"), render(real_report, "md")
    for code, name in outcomes.items():
        assert name in page and f"{code} {name}" in md
    thin = rows_of(real_report, "thin-coverage")
    p = next(r for r in thin if r["code"] == "P-SO6-2")
    labels = {r["id"]: r["label"] for r in table("commitments")}
    assert p["covered_by"] == "; ".join(f"{labels[c]} ({c})" for c in ("C-SO6-HROD-02", "C-SO6-HROD-15"))
    assert p["outcome_name"] == outcomes["SO6"]


def test_real_sources_are_printed_pages_or_strategy_sections(real_report):
    pages = {r["id"]: r["page"] for name in ("actions", "commitments", "organisations")
             for r in table(name) if r["source"] == "delivery-plan"}
    checked = 0
    for s in real_report["sections"]:
        for r in s["rows"]:
            assert not re.search(r"\bline \d", r["evidence"]), r["evidence"]
            code = r["nodes"][0]
            if code in pages:
                assert r["evidence"] == f"Delivery plan p. {pages[code]}"
                checked += 1
    assert checked > 40
    for fmt in ("html", "md"):
        assert not re.search(r"strategy line \d", render(real_report, fmt))


def test_real_strategy_sections_are_where_the_report_says(real_report):
    """'section of SOn' is true: the cited line lies under the Strategy's 'Shared outcome n'
    heading and before the next one; 'enablers section' lies after the enablers heading."""
    text = (DATA / "sources" / "km-integrated-care-strategy-2023.txt").read_text(encoding="utf-8").splitlines()
    heads = {int(m.group(1)): i + 1 for i, line in enumerate(text)
             if (m := re.match(r"Shared outcome (\d):", line))}
    enablers_at = next(i + 1 for i, line in enumerate(text) if line.startswith("Enablers and approach"))
    seen = 0
    for s in real_report["sections"]:
        for r in s["rows"]:
            m = re.search(r"section of SO(\d)", r["evidence"])
            line = int(str(r.get("lines") or "0").split(";")[0])
            if m:
                n = int(m.group(1))
                assert heads[n] <= line < heads.get(n + 1, enablers_at), (r["nodes"][0], line)
                seen += 1
            elif "enablers section" in r["evidence"]:
                assert line > enablers_at
                seen += 1
    assert seen >= 20


# --- the command line ---------------------------------------------------------------------

@pytest.fixture
def gaps_project(tmp_path):
    return make_project(tmp_path, FIXTURE)


def test_cli_gaps_default_formats_and_out(gaps_project, tmp_path):
    assert run_cli("gaps", "--project", gaps_project)[0] == 1          # not built yet
    assert run_cli("build", "--project", gaps_project)[0] == 0
    status, out, err = run_cli("gaps", "--as-of", AS_OF, "--project", gaps_project)
    assert status == 0, err
    assert out.startswith("As at 1 June 2025")
    build = gaps_project / "build"
    assert (build / "gaps.html").read_text().startswith("<!DOCTYPE html>")
    assert (build / "gaps.md").read_text().startswith("# Gap analysis")
    status, _, _ = run_cli("gaps", "--format", "csv", "--threshold", "3", "--as-of", AS_OF, "--project", gaps_project)
    assert status == 0 and "cype" in (build / "gaps.csv").read_text(encoding="utf-8-sig")
    target = tmp_path / "out" / "report.json"
    assert run_cli("gaps", "--out", target, "--as-of", AS_OF, "--project", gaps_project)[0] == 0
    assert json.loads(target.read_text())["as_of"] == AS_OF
    assert not [p for p in build.iterdir() if p.name.endswith(".tmp")]   # written atomically


def test_cli_gaps_user_errors(gaps_project):
    assert run_cli("build", "--project", gaps_project)[0] == 0
    for args, message in ((["--as-of", "1 June 2025"], "YYYY-MM-DD"), (["--format", "pdf"], "unknown report format"),
                          (["--out", "report.txt"], "add --format")):
        status, _, err = run_cli("gaps", *args, "--project", gaps_project)
        assert status == 1 and message in err and "Traceback" not in err
    assert run_cli("gaps", "--threshold", "-1", "--project", gaps_project)[0] == 2   # usage error


def test_cli_all_writes_everything(gaps_project, tmp_path):
    target = tmp_path / "everything"
    status, out, err = run_cli("all", "--out", target, "--as-of", AS_OF, "--project", gaps_project)
    assert status == 0, err
    for name in ("graph.ttl", "validation.txt", "gaps.html", "gaps.md", "gaps.csv", "gaps.json"):
        assert (target / name).stat().st_size > 0, name
        assert str(target / name) in out
    assert "conforms" in (target / "validation.txt").read_text()
    answers = {p.stem for p in (target / "queries").glob("*.csv")}
    assert answers == {q.name for q in list_queries()}
    try:
        from icsgraph.viz import write_page  # noqa: F401
    except ImportError:
        assert "Network page skipped" in out
    else:
        assert (target / "network.html").exists()
    assert "As at 1 June 2025" in out


def test_cli_all_stops_on_a_table_mistake(gaps_project):
    path = gaps_project / "data" / "actions.csv"
    path.write_text(path.read_text().replace("2025-03-31", "31/13/2025", 1))  # no 13th month (31/03/2025 now reads)
    status, _, err = run_cli("all", "--project", gaps_project)
    assert status == 1 and "actions.csv" in err and "due_date" in err and "Traceback" not in err


# --- the same report from a SPARQL endpoint (Oxigraph server, Virtuoso) ------------------------

@pytest.fixture(scope="module")
def real_graph_file(tmp_path_factory):
    from icsgraph.build import build as do_build
    path = tmp_path_factory.mktemp("real") / "graph.ttl"
    do_build(DATA, ROOT / "ontology", path)
    return path


def _comparable(report):
    """The report as JSON text, the parts that may differ by engine aside (none, today)."""
    return json.loads(json.dumps(report))


@pytest.fixture(scope="module")
def fixture_graph_file(tmp_path_factory):
    from icsgraph.build import build as do_build
    path = tmp_path_factory.mktemp("fixture") / "graph.ttl"
    do_build(FIXTURE, ROOT / "ontology", path)
    return path


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
@pytest.mark.parametrize("data", ["fixture", "real"])
def test_report_is_the_same_from_an_endpoint(data, server, request):
    """Every figure of the report, got through run_query from a remote store, equals the local one:
    the gap queries are written in shapes every SPARQL 1.1 engine answers alike."""
    from servers import unique_graph
    from icsgraph.endpoint import publish
    store = request.getfixturevalue(server)
    path = request.getfixturevalue(f"{data}_graph_file")
    local = request.getfixturevalue("real_report") if data == "real" else \
        gap_report(oxigraph(build_graph(FIXTURE, ROOT / "ontology")), as_of=AS_OF)
    graph = unique_graph("gaps")
    publish(path, store.store_url, graph)
    remote = gap_report(as_of=local["as_of"], endpoint=store.query_url, endpoint_graph=graph)
    local, remote = _comparable(local), _comparable(remote)
    for mine, theirs in zip(local["sections"], remote["sections"]):
        assert theirs["rows"] == mine["rows"], mine["query"]
    assert remote == local


def test_cli_gaps_on_an_endpoint_with_the_default_graph(gaps_project, oxigraph_server, tmp_path):
    assert run_cli("build", "--project", gaps_project)[0] == 0
    graph = "https://w3id.org/icsgraph/graph"
    from icsgraph.endpoint import publish
    publish(gaps_project / "build" / "graph.ttl", oxigraph_server.store_url, graph)
    local, remote = tmp_path / "local.json", tmp_path / "remote.json"
    assert run_cli("gaps", "--as-of", AS_OF, "--out", local, "--project", gaps_project)[0] == 0
    status, out, err = run_cli("gaps", "--as-of", AS_OF, "--endpoint", oxigraph_server.query_url, "--out", remote,
                               "--project", gaps_project)
    assert status == 0, err
    assert json.loads(remote.read_text()) == json.loads(local.read_text())
    status, _, err = run_cli("gaps", "--graph", graph, "--project", gaps_project)
    assert status == 1 and "--endpoint" in err


def test_returns_missing_with_the_example_quarter(real_project):
    """The invented example returns (examples/) imported into a copy of the real tables: the actions
    with no return for the latest quarter and the directorates whose return is missing, against counts
    made here from the example files."""
    files = [ROOT / "examples" / f"INVENTED-returns-2025-{q}.csv" for q in ("Q3", "Q4")]
    status, out, err = run_cli("progress", "import", *files, "--recorded-on", "2026-01-15", "--project", real_project)
    assert status == 0, err
    assert run_cli("build", "--project", real_project)[0] == 0
    report = gap_report(graph_path=real_project / "build" / "graph.ttl", as_of="2026-01-20",
                        queries_dir=real_project / "queries")
    assert report["period"] == "2025-Q4"
    returns = [r for f in files for r in table(f.stem, f.parent)]
    actions = {r["id"]: r["directorate"] for r in table("actions")}
    closed = {r["action"] for r in returns if r["period"] < "2025-Q4" and r["status"] in ("complete", "stopped")}
    returned = {r["action"] for r in returns if r["period"] == "2025-Q4"}
    without = sorted(a for a in actions if a not in returned and a not in closed)
    assert sorted(r["action"] for r in rows_of(report, "actions-without-return")) == without
    names = {r["id"]: r["label"] for r in table("organisations")}
    open_by = Counter(names[d] for a, d in actions.items() if a not in closed)
    missing_by = Counter(names[actions[a]] for a in without)
    assert {r["directorate"]: (int(r["open_actions"]), int(r["missing"])) for r in rows_of(report, "returns-missing")} \
        == {d: (open_by[d], missing_by[d]) for d in missing_by}
    assert (f"For 2025-Q4, the latest quarter that ended before 20 January 2026, {len(without)} new actions have no "
            "progress return") in report["summary"]
    assert "No progress has been recorded for any action yet" not in report["summary"]


def test_progress_notes_are_counted_from_the_returns_in_force(real_project, tmp_path):
    """progress-recorded's 'With a progress note' counts the actions whose return in force has a
    narrative (it counted a removed progress column, so it was always 0). The invented example
    quarters, plus a return with no narrative and a correction that removes one, against counts
    made here from data/progress.csv as written."""
    files = [ROOT / "examples" / f"INVENTED-returns-2025-{q}.csv" for q in ("Q3", "Q4")]
    assert run_cli("progress", "import", *files, "--recorded-on", "2026-01-15", "--project", real_project)[0] == 0
    header = "action,period,status,narrative,evidence,reported_by,reported_on,entered_by\n"
    bare = tmp_path / "bare.csv"   # a new return with no narrative (on track needs none)
    bare.write_text(header + "A-PH-01,2025-Q4,on-track,,,public-health,2026-01-10,Test officer\n")
    fix = tmp_path / "fix.csv"     # A-CYPE-01's only return corrected, its narrative removed
    fix.write_text(header + "A-CYPE-01,2025-Q4,on-track,,,cype,2026-01-10,Test officer\n")
    assert run_cli("progress", "import", bare, "--recorded-on", "2026-01-16", "--project", real_project)[0] == 0
    status, _, err = run_cli("progress", "import", fix, "--replace", "--recorded-on", "2026-01-17",
                             "--project", real_project)
    assert status == 0, err
    assert run_cli("build", "--project", real_project)[0] == 0
    rows = table("progress", real_project / "data")
    in_force = {}
    for r in rows:
        key = (r["action"], r["period"])
        if key not in in_force or int(r["revision"]) > int(in_force[key]["revision"]):
            in_force[key] = r
    with_note = {a for (a, _), r in in_force.items() if r["narrative"].strip()}
    with_return = {r["action"] for r in rows}
    assert "A-PH-01" in with_return - with_note and "A-CYPE-01" in with_return - with_note
    status, out, err = run_cli("query", "progress-recorded", "--format", "json", "--project", real_project)
    assert status == 0, err
    assert json.loads(out) == [{"actions": str(len(table("actions"))), "with_progress_note": str(len(with_note)),
                                "with_return": str(len(with_return))}]
    assert len(with_note) == 10 and len(with_return) == 12
