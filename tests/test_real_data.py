"""Answers on the real Kent data, checked against facts typed by hand from the source
documents (data/sources/kcc-ics-delivery-plan-2025.txt; pages are the committee pack's)."""
import pytest

from conftest import run_cli, ROOT
import json


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "graph.ttl"
    status, _, err = run_cli("build", "--out", out)
    assert status == 0, err
    return out


_LINKS = """PREFIX icsg: <https://w3id.org/icsgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct:  <http://purl.org/dc/terms/>
SELECT ?route ?page ?directorate ?outcome ?via ?mechanism WHERE {
  { ?c dct:subject <https://w3id.org/icsgraph/topic/loneliness> ; icsg:deliveredThrough ?m ; rdfs:label ?via ;
       icsg:madeBy/rdfs:label ?directorate ; icsg:underOutcome/icsg:code ?outcome ; icsg:page ?page .
    ?m rdfs:label ?mechanism . BIND("commitment" AS ?route) }
  UNION
  { ?a dct:subject <https://w3id.org/icsgraph/topic/loneliness> ; a icsg:Action ; icsg:page ?page ;
       icsg:ownedBy/rdfs:label ?directorate . BIND("action" AS ?route) }
  UNION
  { ?a dct:subject <https://w3id.org/icsgraph/topic/loneliness> ; a icsg:Action .
    ?si icsg:involvedIn ?a ; icsg:involvedService/rdfs:label ?mechanism . BIND("services involved" AS ?route) }
}"""


def loneliness(built):
    """Every link of the loneliness commitments and actions as transcribed (each commitment's
    plans and services, each action's services involved), read straight from the graph: the
    canned services-for-topic answers by a thing's own topics, so it is not the way to check
    the transcription of these cells."""
    from rdflib import Graph
    g = Graph().parse(built)
    return [{k: (None if v is None else str(v)) for k, v in zip(("route", "page", "directorate", "outcome", "via",
                                                                   "mechanism"), row)} for row in g.query(_LINKS)]


# Appendix A, "Reduce loneliness" rows, right-hand cells split by hand:
# page 31 (line 467), Public Health: "Research – HDRC Support district initiatives including
# Priority Places Support KALC loneliness initiatives Ensure links One You and Social
# prescribing Develop MECC to identify and hand off/signpost people who are lonely Ageing
# well strategy input"
PH_P31 = ["HDRC", "Priority Places", "KALC loneliness", "One You", "Social prescribing", "MECC", "Ageing Well"]
# page 36 (line 509), GET: "Positive Wellbeing – social prescribing service Libraries (inc.
# mobile libraries & home library service) Know your neighbourhood Thanet Community Wardens
# Objective – ... Country Parks & Countryside Partnerships Green Social Prescribing Network
# Heritage Conservation Volunteering Kent Karrier Move Together - Active Kent and Medway
# Strategy Kent Cultural Strategy" - the libraries' named sub-services (mobile libraries, home
# library service) are linked as well as Libraries itself.
GET_P36 = ["Positive Wellbeing", "Libraries", "Mobile librar", "Home Library", "Know Your Neighbourhood",
           "Community Warden", "Country Parks",
           "Countryside Partnership", "Green Social Prescribing", "Heritage Conservation", "Kent Karrier",
           "Move Together", "Cultural Strategy"]
# page 44 (line 582), Adult Social Care: "Social prescribing - ... co-develop the Social
# Prescribing Strategy ... Digital front door – ... 'Kent Connect to Support' ..."
ASCH_P44 = ["Social Prescribing Strategy", "Connect to Support"]


@pytest.mark.parametrize("directorate, page, expected", [
    ("Public Health", "31", PH_P31),
    ("Growth, Environment and Transport", "36", GET_P36),
    ("Adult Social Care and Health", "44", ASCH_P44),
])
def test_loneliness_commitments_list_every_mechanism_with_directorate(built, directorate, page, expected):
    rows = [r for r in loneliness(built) if r["route"] == "commitment" and r["page"] == page]
    assert rows, f"no loneliness commitment on page {page}"
    assert {r["directorate"] for r in rows} == {directorate}
    assert {r["outcome"] for r in rows} == {"SO2"}
    assert {r["via"] for r in rows} == {"Reduce loneliness"}
    mechanisms = {r["mechanism"] for r in rows}
    for word in expected:
        assert any(word.lower() in m.lower() for m in mechanisms), f"{word!r} missing from {sorted(mechanisms)}"
    assert len(mechanisms) == len(expected), sorted(mechanisms)


def test_loneliness_actions_from_appendix_b(built):
    """Page 125 (line 1415, GET): expand social prescribing ... including loneliness;
    page 121 (line 1373, ASC): Digital Kent ... reduce social isolation; page 120 (line 1362,
    ASC): wrap around befriending and social connection work."""
    actions = {(r["directorate"], r["page"]) for r in loneliness(built) if r["route"] == "action"}
    assert ("Growth, Environment and Transport", "125") in actions
    assert ("Adult Social Care and Health", "121") in actions
    assert ("Adult Social Care and Health", "120") in actions


def test_services_involved_list_reaches_the_loneliness_action(built):
    """Page 125 (lines 1416-1423): 'Services involved in this activity include:' seven services."""
    services = {r["mechanism"] for r in loneliness(built) if r["route"] == "services involved"}
    for word in ["Green social prescribing", "Positive Wellbeing", "Know Your Neighbourhood", "Community Warden",
                 "Librar", "Arts and Culture", "Public Transport"]:
        assert any(word.lower() in s.lower() for s in services), f"{word!r} missing from {sorted(services)}"


def test_social_isolation_is_the_same_question(built):
    from icsgraph import run_query
    other = run_query("services-for-topic", graph_path=built, queries_dir=ROOT / "queries", topic="Social Isolation")
    assert other == run_query("services-for-topic", graph_path=built, queries_dir=ROOT / "queries", topic="loneliness")


def test_loneliness_indicator_is_tracked_by_three_directorates(built):
    """I-SO2-1 (7.3% in 2020/21 -> no more than 5% by 2028/29) is restated in the
    Communities (p111), Adult Social Care (p122) and GET (p126) logframes."""
    from rdflib import Graph, URIRef
    g = Graph().parse(built)
    q = """PREFIX icsg: <https://w3id.org/icsgraph/ontology#>
           PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
           SELECT ?d ?baseline ?target WHERE {
             ?e icsg:tracksIndicator ?i ; icsg:trackedBy/rdfs:label ?d .
             ?i icsg:code "I-SO2-1" ; icsg:baselineReading/<http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?baseline ;
                icsg:targetValue ?target . }"""
    rows = {(str(d), float(b), float(t)) for d, b, t in g.query(q)}
    assert {d for d, _, _ in rows} == {"Communities", "Adult Social Care and Health", "Growth, Environment and Transport"}
    assert {(b, t) for _, b, t in rows} == {(7.3, 5.0)}


def test_real_data_validates(built):
    status, out, _ = run_cli("validate", "--graph", built)
    assert status == 0, out


def test_counts_match_the_sources(built):
    """Appendix A has 136 table rows for SO1-SO2 and 117 for SO3-SO6, one repeated identically
    (p90 and p92): 252 commitments; Appendix B has 86 action rows; six outcomes; 21 priorities."""
    status, out, _ = run_cli("build", "--out", built.parent / "again.ttl")
    counts = dict(line.split() for line in out.splitlines()[1:])
    assert counts["Commitment"] == "252"
    assert counts["Action"] == "86"
    assert counts["SharedOutcome"] == "6"
    assert counts["Priority"] == "21"
    assert counts["Enabler"] == "3"


# --- officer edits on a copy of the real project (sources included) ------------------

import csv  # noqa: E402
import shutil  # noqa: E402

from rdflib import Graph, Literal, URIRef  # noqa: E402

NODE = "https://w3id.org/icsgraph/id/"
ICSG = "https://w3id.org/icsgraph/ontology#"
PROV = "http://www.w3.org/ns/prov#"


@pytest.fixture
def edit_project(tmp_path):
    """A copy of the real project with its source texts, so citations are checked."""
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def add_action(project, **cells):
    """Append one action row as an officer would, leaving every other row as it is.
    Returns its spreadsheet row number."""
    path = project / "data" / "actions.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for name in cells:
        if name not in header:
            header.append(name)
            for r in rows[1:]:
                r.append("")
    new = {"id": "A-PH-90", "directorate": "public-health", "title": "Pilot a men's health check in pubs",
           "text": "Pilot a men's health check in pubs with the district councils", "outcomes": "SO3"}
    new.update(cells)
    rows.append([new.get(h, "") for h in header])
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return len(rows)


OFFICER = dict(entered_by="Strategy officer, Public Health", entered_on="2026-11-12",
               authority="CMT meeting 12/11/2026")


def build(project):
    return run_cli("build", "--project", project)


def test_a_made_up_citation_is_caught_naming_file_row_column(edit_project):
    assert build(edit_project)[0] == 0
    good = (edit_project / "build" / "graph.ttl").read_bytes()
    row = add_action(edit_project, source="delivery-plan", page="1", line="1")
    status, _, err = build(edit_project)
    assert status == 1
    assert f"actions.csv, row {row}, column 'line'" in err
    assert "line 1 of data/sources/kcc-ics-delivery-plan-2025.txt" in err and "does not hold" in err
    assert "entered_by" in err  # says what to do instead
    assert "Traceback" not in err
    assert (edit_project / "build" / "graph.ttl").read_bytes() == good


def test_a_line_beyond_the_document_is_caught(edit_project):
    row = add_action(edit_project, source="strategy", line="9999")
    status, _, err = build(edit_project)
    assert status == 1
    assert f"actions.csv, row {row}, column 'line'" in err and "which has" in err and "lines" in err


def test_a_true_citation_of_a_new_row_is_accepted(edit_project):
    """A row typed from the source with its real line passes: line 1213 holds A-CYPE-01."""
    add_action(edit_project, id="A-CYPE-90", directorate="cype", title="Family hubs (again)",
               text="Optimise the opportunity of family hubs to demonstrate improvement",
               source="delivery-plan", line="1213")
    status, _, err = build(edit_project)
    assert status == 0, err


def test_every_real_citation_holds_its_row():
    """The rule is measured on the real tables: every cited line of every row passes."""
    from icsgraph.build import load_ontology, topic_names
    from icsgraph.completeness import check_citations
    from icsgraph.tables import read_tables
    _, topics = load_ontology(ROOT / "ontology")
    tables = read_tables(ROOT / "data", topic_names(topics))
    notes = []
    check_citations(tables, ROOT / "data", notes)
    assert notes == []
    cited = sum(len(r.get("line", [])) for rows in tables.values() for r in rows if r.get("source"))
    assert cited > 850


def test_an_officer_entry_builds_and_carries_prov(edit_project):
    add_action(edit_project, **OFFICER)
    status, _, err = build(edit_project)
    assert status == 0, err
    g = Graph().parse(edit_project / "build" / "graph.ttl")
    a = URIRef(NODE + "action/A-PH-90")
    officer = URIRef(NODE + "officer/strategy-officer-public-health")
    assert (a, URIRef(PROV + "wasAttributedTo"), officer) in g
    assert (officer, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(PROV + "Agent")) in g
    assert (a, URIRef(PROV + "generatedAtTime"),
            Literal("2026-11-12", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))) in g
    assert (a, URIRef(ICSG + "authority"), Literal("CMT meeting 12/11/2026")) in g
    assert not list(g.triples((a, URIRef("http://purl.org/dc/terms/source"), None)))
    status, out, _ = run_cli("validate", "--project", edit_project)
    assert status == 0, out


@pytest.mark.parametrize("cells, column, words", [
    ({**OFFICER, "authority": ""}, "authority", "officer's entry"),
    ({**OFFICER, "source": "delivery-plan", "line": "1213"}, "entered_by", "not both"),
    ({}, "source", "entered_by"),
])
def test_provenance_is_a_citation_or_a_complete_officer_entry(edit_project, cells, column, words):
    row = add_action(edit_project, **cells)
    status, _, err = build(edit_project)
    assert status == 1
    assert f"actions.csv, row {row}, column '{column}'" in err and words in err


def test_shacl_refuses_a_node_with_neither_citation_nor_entry(edit_project):
    assert build(edit_project)[0] == 0
    path = edit_project / "build" / "graph.ttl"
    g = Graph().parse(path)
    a = URIRef(NODE + "action/A-PH-01")
    g.remove((a, URIRef("http://purl.org/dc/terms/source"), None))
    g.serialize(path, format="turtle")
    status, out, _ = run_cli("validate", "--project", edit_project)
    assert status == 1 and "officer's entry" in out and "A-PH-01" in out


# --- names officers write --------------------------------------------------------------

def test_directorate_code_ph_is_read_as_public_health(edit_project):
    add_action(edit_project, directorate="PH", **OFFICER)
    status, _, err = build(edit_project)
    assert status == 0, err
    g = Graph().parse(edit_project / "build" / "graph.ttl")
    assert (URIRef(NODE + "action/A-PH-90"), URIRef(ICSG + "ownedBy"), URIRef(NODE + "organisation/public-health")) in g


def test_a_misspelt_directorate_names_the_closest(edit_project):
    row = add_action(edit_project, directorate="Pubic Helth", **OFFICER)
    status, _, err = build(edit_project)
    assert status == 1
    assert f"actions.csv, row {row}, column 'directorate'" in err
    assert "unknown organisations id 'Pubic Helth'" in err and "did you mean public-health" in err


def test_a_directorate_that_is_not_the_ids_is_caught(edit_project):
    row = add_action(edit_project, directorate="GET", **OFFICER)
    status, _, err = build(edit_project)
    assert status == 1
    assert f"actions.csv, row {row}, column 'directorate'" in err and "code PH is public-health" in err


def test_topic_written_as_its_label_or_other_name(edit_project):
    add_action(edit_project, topics="Loneliness; social isolation; SMOKING", **OFFICER)
    status, _, err = build(edit_project)
    assert status == 0, err
    g = Graph().parse(edit_project / "build" / "graph.ttl")
    subjects = set(g.objects(URIRef(NODE + "action/A-PH-90"), URIRef("http://purl.org/dc/terms/subject")))
    topic = "https://w3id.org/icsgraph/topic/"
    assert subjects == {URIRef(topic + "loneliness"), URIRef(topic + "smoking")}


def test_an_unknown_topic_lists_the_closest(edit_project):
    row = add_action(edit_project, topics="lonelyness", **OFFICER)
    status, _, err = build(edit_project)
    assert status == 1
    assert f"actions.csv, row {row}, column 'topics'" in err and "did you mean loneliness" in err


def test_uk_date_as_excel_writes_it(edit_project):
    add_action(edit_project, due_date="31/03/2026", **{**OFFICER, "entered_on": "12/11/2026"})
    status, _, err = build(edit_project)
    assert status == 0, err
    g = Graph().parse(edit_project / "build" / "graph.ttl")
    a = URIRef(NODE + "action/A-PH-90")
    xsd_date = URIRef("http://www.w3.org/2001/XMLSchema#date")
    assert (a, URIRef(ICSG + "dueDate"), Literal("2026-03-31", datatype=xsd_date)) in g
    assert (a, URIRef(PROV + "generatedAtTime"), Literal("2026-11-12", datatype=xsd_date)) in g


def test_a_us_date_is_refused_not_misread(edit_project):
    row = add_action(edit_project, due_date="03/31/2026", **OFFICER)
    status, _, err = build(edit_project)
    assert status == 1 and f"row {row}, column 'due_date'" in err and "DD/MM/YYYY" in err


def test_validate_checks_the_edited_tables_before_any_build(edit_project):
    assert build(edit_project)[0] == 0
    row = add_action(edit_project, source="delivery-plan", line="1")
    status, out, err = run_cli("validate", "--project", edit_project)
    assert status == 1
    assert f"actions.csv, row {row}, column 'line'" in err and "does not hold" in err


def test_validate_says_when_the_graph_is_older_than_the_tables(edit_project):
    import os
    assert build(edit_project)[0] == 0
    graph = edit_project / "build" / "graph.ttl"
    add_action(edit_project, **OFFICER)
    t = graph.stat().st_mtime
    os.utime(edit_project / "data" / "actions.csv", (t + 10, t + 10))
    status, out, err = run_cli("validate", "--project", edit_project)
    assert status == 0, err
    assert "1 officer's entry" in out
    assert "actions.csv changed after" in out and "icsgraph all" in out


def test_a_name_far_from_any_still_gets_the_nearest_offered(edit_project):
    row = add_action(edit_project, directorate="Zzqx", **OFFICER)
    status, _, err = build(edit_project)
    assert status == 1 and f"row {row}, column 'directorate'" in err and "did you mean" in err
