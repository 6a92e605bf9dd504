"""The gap report (icsgraph.gaps, `icsgraph gaps`, `icsgraph all`) on tests/fixtures/gaps.

Which items are gaps, worked out by hand from the fixture (see tests/test_queries.py for
the fixture in words), as at 2025-06-01 with the default threshold 2:
- SO4 has no action and no commitment; P-SO1-2 and P-SO4-1 have no commitment; E3 has no
  action; I-SO2-2 (employment) and I-SO4-1 (carers) have nothing working towards them;
  hr (People) owns no action; A-PH-02 lacks a lead and a date, A-PH-03 a measure; A-GET-01
  is overdue with no progress; C-SO3-GET-01 names no mechanism.
- Near misses that must NOT be reported: SO1 and cype have 3 commitments + actions (thin
  only from threshold 3); P-SO2-1 has one commitment (thin, not empty); A-CYPE-01 is due on
  the day itself; A-PH-03 is past due but has progress; I-SO3-2 is covered by an action on
  alcohol, a narrower topic; I-SO3-1 by a logframe only.
"""
import csv
import datetime as dt
import io
import json
import re
import shutil

import pytest
from rdflib import Graph

from conftest import ROOT, make_project, run_cli
from icsgraph.build import build_graph
from icsgraph.gaps import ITEM_COLUMNS, SECTIONS, gap_report, render
from icsgraph.queries import list_queries, run_query

FIXTURE = ROOT / "tests" / "fixtures" / "gaps"
AS_OF = "2025-06-01"


def oxigraph(g):
    ox = Graph(store="Oxigraph")
    ox += g
    return ox


@pytest.fixture(scope="module")
def graph():
    return oxigraph(build_graph(FIXTURE, ROOT / "ontology"))


@pytest.fixture(scope="module")
def report(graph):
    return gap_report(graph, as_of=AS_OF)


def codes(report, query):
    section = next(s for s in report["sections"] if s["query"] == query)
    return [r["nodes"][0] for r in section["rows"]]


def test_each_section_lists_exactly_the_gaps(report):
    assert {s["query"]: codes(report, s["query"]) for s in report["sections"]} == {
        "outcomes-without-actions": ["SO4"],
        "priorities-without-commitments": ["P-SO1-2", "P-SO4-1"],
        "enablers-without-actions": ["E3"],
        "thin-coverage": ["P-SO1-1", "P-SO2-1", "E1", "E2", "P-SO2-2", "P-SO3-1"],
        "indicators-without-actions": ["I-SO2-2", "I-SO4-1"],
        "directorates-without-actions": ["hr"],
        "incomplete-actions": ["A-PH-02", "A-PH-03"],
        "overdue-actions": ["A-GET-01"],
        "commitments-without-mechanisms": ["C-SO3-GET-01"]}


def test_near_misses_are_not_reported(report):
    reported = {code for s in report["sections"] for code in codes(report, s["query"])}
    for near_miss in ("SO1", "cype", "A-CYPE-01", "I-SO3-2", "I-SO3-1", "I-SO1-1", "SO2", "SO3", "ph", "get"):
        assert near_miss not in reported
    assert "A-PH-03" not in codes(report, "overdue-actions")      # past due, but progress recorded
    assert "P-SO2-1" not in codes(report, "priorities-without-commitments")


def test_threshold_and_as_of_are_configurable(graph):
    at3 = gap_report(graph, as_of=AS_OF, threshold=3)
    assert {"SO1", "cype"} <= set(codes(at3, "thin-coverage"))
    assert "3 or fewer" in at3["summary"]
    assert codes(gap_report(graph, as_of=AS_OF, threshold=0), "thin-coverage") == []
    later = gap_report(graph, as_of=dt.date(2027, 1, 1))
    assert codes(later, "overdue-actions") == ["A-GET-01", "A-CYPE-01", "A-PH-01", "A-PH-04", "A-CYPE-02"]
    assert gap_report(graph)["as_of"] == dt.date.today().isoformat()
    with pytest.raises(ValueError):
        gap_report(graph, threshold=-1)


def test_every_item_has_its_evidence(report):
    rows = {(s["query"], r["nodes"][0]): r for s in report["sections"] for r in s["rows"]}
    assert rows[("outcomes-without-actions", "SO4")]["evidence"] == "strat line 40"   # strategy: no pages
    assert rows[("overdue-actions", "A-GET-01")]["evidence"] == "plan p. 20"
    assert rows[("directorates-without-actions", "hr")]["evidence"] == "plan p. 3"
    assert rows[("thin-coverage", "P-SO2-2")]["nodes"] == ["P-SO2-2", "C-SO2-GET-01", "C-SO2-PH-01"]
    assert all(r["evidence"] for r in rows.values())


def test_the_report_is_built_only_from_the_canned_queries(graph, report):
    names = {q.name for q in list_queries()}
    for s in report["sections"]:
        assert s["query"] in names
        params = {"thin-coverage": {"threshold": 2}, "overdue-actions": {"as_of": AS_OF}}.get(s["query"], {})
        fresh = run_query(s["query"], graph=graph, **params)
        assert [{k: v for k, v in r.items() if k not in ("nodes", "evidence")} for r in s["rows"]] == fresh
    assert len(SECTIONS) == len(report["sections"])


def test_heat_map_holds_the_matrix(report):
    heat = report["heatmap"]
    assert heat["directorates"] == ["Children and Young People", "Growth and Transport", "People", "Public Health"]
    assert heat["outcomes"] == ["SO1", "SO2", "SO3", "SO4"]
    assert heat["cells"][3] == [[0, 1], [1, 0], [1, 3], [0, 0]]   # Public Health: commitments, actions
    assert heat["cells"][2] == [[0, 0]] * 4                      # People


def test_summary_paragraph(report):
    assert report["summary"] == (
        "As at 1 June 2025, the delivery plan records 6 commitments and 7 new actions across 4 directorates, "
        "against the strategy's 4 shared outcomes, 6 priorities and 3 enablers. 1 outcome (SO4) has no new "
        "action and no commitment either. 2 of 6 priorities have no commitment (P-SO1-2, P-SO4-1); 1 of 3 "
        "enablers has no new action (E3); 6 items have thin coverage (2 or fewer commitments and actions). "
        "2 of 6 indicators under a shared outcome have no action or logframe measure working towards them (I-SO2-2, I-SO4-1). "
        "1 directorate (People) has no new action. 2 actions lack a measure, lead or readable date, and 1 "
        "action is past due with no recorded progress.")


def test_html_is_self_contained_and_opens_with_the_summary(report):
    page = render(report, "html")
    for external in ("http://", "https://", "src=", "<link", "<script", "url(", "@import"):
        assert external not in page
    body = page.split("<body>", 1)[1]
    assert re.match(r"\s*<h1>[^<]+</h1>\s*<p class=\"summary\">As at 1 June 2025", body)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    for name in report["heatmap"]["directorates"]:
        assert name in svg
    assert "1 / 3" in svg and "@media print" in page


def test_html_escapes_all_data_text(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    hostile = {"organisations": ("hr", "label", 'People <script>alert("x")</script> & Co'),
               "actions": ("A-PH-02", "title", "<img src=x onerror=alert(1)> training"),
               "enablers": ("E3", "label", "Engage </td></tr></table> communities")}
    for table, (row_id, column, value) in hostile.items():
        path = data / f"{table}.csv"
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        for r in rows:
            if r["id"] == row_id:
                r[column] = value
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    page = render(gap_report(oxigraph(build_graph(data, ROOT / "ontology")), as_of=AS_OF), "html")
    assert "<script" not in page and "<img" not in page and "</td></tr></table> communities" not in page
    assert "People &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;img src=x onerror=alert(1)&gt; training" in page


def test_markdown_csv_and_json(report):
    md = render(report, "md")
    assert md.startswith("# Gap analysis") and report["summary"] in md
    assert "| Public Health | 0 / 1 | 1 / 0 | 1 / 3 | 0 / 0 |" in md
    assert "| SO4 | Carers and long-term conditions | 0 | strat line 40 |" in md
    text = render(report, "csv")
    assert text.startswith("\ufeff")  # the shared CSV writer's byte-order mark (answers' change)
    items = list(csv.DictReader(io.StringIO(text[1:])))
    assert list(items[0]) == ITEM_COLUMNS
    gaps = [i for i in items if i["section"] != "directorate-outcome-matrix"]
    assert len(gaps) == 1 + 2 + 1 + 6 + 2 + 1 + 2 + 1 + 1 and len(items) == len(gaps) + 16
    assert {"section": "overdue-actions", "code": "A-GET-01", "label": "Expand social prescribing",
            "nodes": "A-GET-01", "evidence": "plan p. 20"}.items() <= next(
        i for i in items if i["section"] == "overdue-actions").items()
    data = json.loads(render(report, "json"))
    assert data["as_of"] == AS_OF and data["threshold"] == 2 and data["summary"] == report["summary"]
    assert [s["query"] for s in data["sections"]] == [s[0] for s in SECTIONS]


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
    assert status == 0 and "cype" in (build / "gaps.csv").read_text()
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
    assert (target / "queries" / "outcomes-without-actions.csv").read_text().splitlines()[1].startswith("SO4,")
    try:
        from icsgraph.viz import write_page  # noqa: F401
    except ImportError:
        assert "Network page skipped" in out
    else:
        assert (target / "network.html").exists()
    assert "As at 1 June 2025" in out


def test_cli_all_stops_on_a_table_mistake(gaps_project):
    path = gaps_project / "data" / "actions.csv"
    path.write_text(path.read_text().replace("2025-03-31", "31/03/2025", 1))
    status, _, err = run_cli("all", "--project", gaps_project)
    assert status == 1 and "actions.csv" in err and "due_date" in err and "Traceback" not in err
