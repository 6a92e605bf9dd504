"""`icsgraph build`: tables in, deterministic graph out, and clear errors for table mistakes."""
import csv
import hashlib
import os
import subprocess
import sys

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from conftest import run_cli

ICSG = "https://w3id.org/icsgraph/ontology#"
NODE = "https://w3id.org/icsgraph/id/"


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def set_cell(path, row_number, column, value):
    """Change one cell; row_number as a spreadsheet shows it (header = row 1)."""
    rows = read_rows(path)
    rows[row_number - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def test_build_writes_graph_and_prints_counts(project):
    status, out, err = run_cli("build", "--project", project)
    assert status == 0, err
    assert "Commitment" in out and "5" in out
    g = Graph().parse(project / "build" / "graph.ttl")
    commitment = URIRef(NODE + "commitment/C-SO2-GET-01")
    assert (commitment, RDFS.label, Literal("Reduce loneliness", lang="en")) in g
    assert (commitment, URIRef(ICSG + "deliveredThrough"), URIRef(NODE + "mechanism/m-wardens")) in g


def _build_in_fresh_process(project, hashseed):
    env = dict(os.environ, PYTHONHASHSEED=str(hashseed))
    subprocess.run([sys.executable, "-m", "icsgraph.cli", "build", "--project", str(project)],
                   check=True, env=env, capture_output=True)
    return (project / "build" / "graph.ttl").read_bytes()


def test_same_tables_give_byte_identical_turtle(project):
    first = _build_in_fresh_process(project, 1)
    second = _build_in_fresh_process(project, 2)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_iris_come_from_ids_not_row_order(project):
    before = _build_in_fresh_process(project, 3)
    path = project / "data" / "commitments.csv"
    rows = read_rows(path)
    write_rows(path, [rows[0]] + list(reversed(rows[1:])))
    after = _build_in_fresh_process(project, 3)
    assert before == after


def test_every_data_node_cites_a_source_document_or_is_an_officers_entry(project):
    path = project / "data" / "commitments.csv"
    rows = read_rows(path)
    header = rows[0] + ["entered_by", "entered_on", "authority"]
    new = dict(zip(rows[0], rows[1]), id="C-SO2-PH-09", label="Reduce loneliness in villages",
               source="", page="", line="", raw_text="", entered_by="J Smith",
               entered_on="12/11/2026", authority="CMT meeting 12/11/2026")
    write_rows(path, [header] + [r + ["", "", ""] for r in rows[1:]] + [[new.get(h, "") for h in header]])
    status, _, err = run_cli("build", "--project", project)
    assert status == 0, err
    g = Graph().parse(project / "build" / "graph.ttl")
    q = """PREFIX dct: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#>
           SELECT ?s WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?s), "%s"))
             FILTER(!CONTAINS(STR(?s), "/document/") && !CONTAINS(STR(?s), "/officer/"))
             # the monitoring vocabulary (status scheme, Data Cube structure) is not data;
             FILTER(!STRSTARTS(STR(?s), "%sstatus") && !STRSTARTS(STR(?s), "%sdsd/")
                    && !STRSTARTS(STR(?s), "%sdataset/"))
             FILTER NOT EXISTS { ?s dct:source ?d }
             FILTER NOT EXISTS { ?s prov:wasAttributedTo ?who ; prov:generatedAtTime ?when } }""" % (NODE, NODE, NODE, NODE)
    assert list(g.query(q)) == []
    assert (URIRef(NODE + "commitment/C-SO2-PH-09"), URIRef("http://www.w3.org/ns/prov#wasAttributedTo"),
            URIRef(NODE + "officer/j-smith")) in g
    assert run_cli("validate", "--project", project)[0] == 0


@pytest.mark.parametrize("table, row, column, value, message", [
    ("commitment_mechanisms.csv", 3, "mechanism", "m-no-such-thing", "unknown mechanisms id 'm-no-such-thing'"),
    ("commitments.csv", 3, "id", "C-SO2-PH-01", "duplicate id 'C-SO2-PH-01'"),
    ("actions.csv", 2, "outcomes", "SO7", "'SO7' is not an outcome code"),
    ("actions.csv", 2, "outcomes", "S03", "'S03' is not an outcome code"),
    ("commitments.csv", 4, "label", "", "required cell is empty"),
    ("commitments.csv", 4, "priority", "", "say in 'note' why none fits"),
    ("commitments.csv", 2, "priority", "P-SO3-1", "belongs to SO3, not to SO2"),
    ("actions.csv", 3, "due_date", "March 2026", "not a date"),
    ("commitments.csv", 2, "topics", "lonelyness", "unknown topic 'lonelyness'"),
    ("commitments.csv", 2, "directorate", "kalc", "not a council directorate"),
])
def test_table_mistake_stops_build_naming_file_row_column(project, table, row, column, value, message):
    assert run_cli("build", "--project", project)[0] == 0
    good = (project / "build" / "graph.ttl").read_bytes()
    set_cell(project / "data" / table, row, column, value)
    status, out, err = run_cli("build", "--project", project)
    assert status == 1
    assert f"{table}, row {row}, column '{column}'" in err
    assert message in err
    assert "Traceback" not in err
    # the previous build is left intact (the graph and the store kept for queries, still its
    # copy), and no temporary file is left behind
    assert (project / "build" / "graph.ttl").read_bytes() == good
    assert sorted(p.name for p in (project / "build").iterdir()) == ["graph.oxigraph", "graph.ttl"]
    assert (project / "build" / "graph.oxigraph" / "SOURCE-SHA256").read_text().strip() == \
        hashlib.sha256(good).hexdigest()


def test_unknown_column_is_caught(project):
    path = project / "data" / "mechanisms.csv"
    rows = read_rows(path)
    rows[0][rows[0].index("aliases")] = "alias"
    write_rows(path, rows)
    status, _, err = run_cli("build", "--project", project)
    assert status == 1
    assert "mechanisms.csv, row 1, column 'alias': unknown column" in err


def test_missing_table_is_reported(project):
    (project / "data" / "priorities.csv").unlink()
    status, _, err = run_cli("build", "--project", project)
    assert status == 1 and "priorities.csv: table is missing" in err


# --- the declared table -> RDF mapping -------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
SKOS_ = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _n(path):
    return URIRef(NODE + path)


def _i(name):
    return URIRef(ICSG + name)


def test_declared_mapping_gives_the_triples_written_here_by_hand(project):
    """A few rows of the mini tables, and the triples they must become (written by hand
    from tests/fixtures/mini, not taken from a build)."""
    assert run_cli("build", "--project", project)[0] == 0
    g = Graph().parse(project / "build" / "graph.ttl")
    a = _n("action/A-GET-01")
    expected = [
        (a, RDF_TYPE, _i("Action")),
        (a, _i("code"), Literal("A-GET-01")),
        (a, RDFS.label, Literal("Expand social prescribing", lang="en")),
        (a, _i("title"), Literal("Expand social prescribing", lang="en")),
        (a, URIRef(DCT + "description"),
         Literal("Work with partners to expand social prescribing including loneliness", lang="en")),
        (a, _i("ownedBy"), _n("organisation/get")),
        (a, _i("leadRole"), Literal("Business Innovation Manager")),
        (a, _i("dueDate"), Literal("2025-03-31", datatype=URIRef(XSD + "date"))),
        (a, _i("contributesTo"), _n("outcome/SO2")),
        (a, _i("contributesTo"), _n("outcome/SO3")),
        (a, _i("outcomeCodesAsWritten"), Literal("SO2,SO3")),
        (a, URIRef(DCT + "subject"), URIRef("https://w3id.org/icsgraph/topic/social-prescribing")),
        (a, URIRef(DCT + "source"), _n("document/plan")),
        (a, _i("page"), Literal("7", datatype=URIRef(XSD + "integer"))),
        (a, _i("line"), Literal("70", datatype=URIRef(XSD + "integer"))),
        # commitment_mechanisms: no node of its own; a link both ways and the wording
        (_n("commitment/C-SO2-GET-01"), _i("deliveredThrough"), _n("mechanism/m-wardens")),
        (_n("mechanism/m-wardens"), _i("helpsDeliver"), _n("commitment/C-SO2-GET-01")),
        (_n("mechanism/m-wardens"), URIRef(SKOS_ + "hiddenLabel"), Literal("Community Wardens Objective", lang="en")),
        # a typed enum, an alias, an inverse link, a rule
        (_n("mechanism/m-libraries"), RDF_TYPE, _i("Service")),
        (_n("mechanism/m-libraries"), URIRef(SKOS_ + "altLabel"), Literal("Library Services", lang="en")),
        (_n("strategy/km-ics"), _i("hasOutcome"), _n("outcome/SO2")),
        (_n("outcome/SO2"), _i("outcomeOf"), _n("strategy/km-ics")),
        (_n("organisation/council"), _i("statutoryPartnerOf"), _n("strategy/km-ics")),
        (_n("organisation/kalc"), _i("partnerOf"), _n("strategy/km-ics")),
        # the baseline is the first reading, a Data Cube observation (readings.csv)
        (_n("indicator/I-SO2-1"), _i("baselineReading"), _n("reading/I-SO2-1_kent-and-medway_2020-21")),
        (_n("reading/I-SO2-1_kent-and-medway_2020-21"), URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue"),
         Literal("7.3", datatype=URIRef(XSD + "decimal"))),
        (_n("reading/I-SO2-1_kent-and-medway_2020-21"), URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod"),
         Literal("2020/21")),
        (_n("document/plan"), _i("file"), Literal("data/sources/plan.txt")),
        (_n("document/plan"), URIRef(DCT + "title"), Literal("A delivery plan", lang="en")),
        (_n("service-involvement/AS-1"), _i("involvedIn"), _n("action/A-GET-01")),
        (_n("service-involvement/AS-1"), RDFS.label, Literal("Community Wardens", lang="en")),
    ]
    missing = [t for t in expected if t not in g]
    assert missing == []
    # what is declared "not written" stays out: the action_services directorate
    assert not list(g.triples((_n("service-involvement/AS-1"), None, _n("organisation/get"))))


def test_a_new_table_is_a_declaration_not_code():
    """A table the builder has never seen becomes RDF from its declaration alone:
    subject template (slugged), virtual type, datatypes, links, inverse links."""
    from rdflib.namespace import XSD as X
    from icsgraph.build import row_triples
    from icsgraph.namespaces import ICSG as I
    from icsgraph.tables import Column as C, Row, Table, Virtual
    readings = Table("readings", (
        C("indicator", "ref", True, "indicators", prop=I.indicator, link="indicator", inverse=I.hasReading),
        C("area", required=True, prop=I.area, datatype="string"),
        C("period", required=True, prop=I.period, datatype="string"),
        C("value", "decimal", prop=I.value, datatype="decimal"),
        C("note", prop=I.note, datatype="en"),
        C("suppressed")),
        key=("indicator", "area", "period"), about="reading/{indicator}/{area|slug}/{period|slug}",
        virtual=(Virtual(RDF_TYPE, I.Reading),))
    from decimal import Decimal
    row = Row("readings", 2, {"indicator": "I-SO2-1", "area": "Kent and Medway", "period": "2020/21",
                              "value": Decimal("7.3"), "note": None, "suppressed": "x"})
    g = Graph()
    row_triples(g, readings, row, {})
    s = _n("reading/I-SO2-1/kent-and-medway/2020-21")
    assert set(g) == {
        (s, RDF_TYPE, I.Reading),
        (s, I.indicator, _n("indicator/I-SO2-1")),
        (_n("indicator/I-SO2-1"), I.hasReading, s),
        (s, I.area, Literal("Kent and Medway")),
        (s, I.period, Literal("2020/21")),
        (s, I.value, Literal("7.3", datatype=X.decimal)),
    }


def test_column_docs_in_data_readme_are_current():
    from icsgraph.tables import mapping_markdown
    from conftest import ROOT
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- MAPPING:START -->\n", 1)[1].split("<!-- MAPPING:END -->", 1)[0]
    assert section == mapping_markdown()


def test_every_declared_column_says_what_it_becomes():
    """No column is silently dropped: each is written, is the subject, or is declared not written."""
    from icsgraph.tables import TABLES
    unmapped = {(t.name, c.name) for t in TABLES for c in t.columns
                if not (c.props or c.inverse is not None or c.rules or f"{{{c.name}}}" in t.about)}
    assert unmapped == {("commitment_mechanisms", "note"), ("action_services", "directorate")}


# --- Excel's CSV flavours --------------------------------------------------------------

def _resave(path, encoding, change=None):
    rows = read_rows(path)
    if change:
        change(rows)
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


def _describe_wardens(text):
    def change(rows):
        rows[1][rows[0].index("description")] = text
    return change


def test_windows_1252_csv_from_excel_reads_and_says_so(project):
    """Excel's "CSV (Comma delimited)" on a UK machine: Windows-1252, CRLF, with – and £."""
    text = "Wardens – £2.5m a year, “local” help"
    path = project / "data" / "mechanisms.csv"
    _resave(path, "cp1252", _describe_wardens(text))
    assert b"\x96" in path.read_bytes() and b"\xa3" in path.read_bytes()  # really cp1252
    status, out, err = run_cli("build", "--project", project)
    assert status == 0, err
    assert "mechanisms.csv: read as Windows-1252" in out
    g = Graph().parse(project / "build" / "graph.ttl")
    assert (URIRef(NODE + "mechanism/m-wardens"), URIRef("http://purl.org/dc/terms/description"),
            Literal(text, lang="en")) in g


def test_csv_utf8_with_bom_reads_and_says_so(project):
    path = project / "data" / "mechanisms.csv"
    _resave(path, "utf-8-sig", _describe_wardens("Wardens – £2.5m"))
    status, out, err = run_cli("build", "--project", project)
    assert status == 0, err
    assert "mechanisms.csv: read as UTF-8 with a byte-order mark" in out
    assert "commitments.csv: read as" not in out  # plain UTF-8 files say nothing


def test_utf8_is_never_misread_as_windows_1252(tmp_path):
    from icsgraph.tables import decode_table
    path = tmp_path / "t.csv"
    path.write_bytes("id,label\nx,£5 – café\n".encode("utf-8"))
    assert decode_table(path) == ("id,label\nx,£5 – café\n", "utf-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_csv_fails_clearly_and_leaves_the_graph(project, encoding):
    assert run_cli("build", "--project", project)[0] == 0
    good = (project / "build" / "graph.ttl").read_bytes()
    _resave(project / "data" / "mechanisms.csv", encoding)
    status, out, err = run_cli("build", "--project", project)
    assert status == 1
    assert "mechanisms.csv" in err and "UTF-16" in err and "CSV UTF-8" in err
    assert "Traceback" not in err
    assert (project / "build" / "graph.ttl").read_bytes() == good


def test_a_workbook_saved_as_csv_name_fails_clearly(project):
    (project / "data" / "mechanisms.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    status, _, err = run_cli("build", "--project", project)
    assert status == 1 and "mechanisms.csv" in err and "Excel workbook" in err


def test_a_table_mistake_leaves_every_output_of_all_untouched(project):
    """`icsgraph all` after a bad edit: exit 1 naming the cell, and the graph, gap report
    and network page are those of the last good run."""
    status, _, err = run_cli("all", "--project", project)
    assert status == 0, err
    outputs = ["graph.ttl", "gaps.html", "gaps.csv", "network.html", "validation.txt"]
    before = {name: (project / "build" / name).read_bytes() for name in outputs}
    set_cell(project / "data" / "actions.csv", 2, "due_date", "31/02/2026")
    status, _, err = run_cli("all", "--project", project)
    assert status == 1
    assert "actions.csv, row 2, column 'due_date'" in err and "not a date" in err
    assert {name: (project / "build" / name).read_bytes() for name in outputs} == before


# --- the reader never crashes: any bytes give rows or a TableError --------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


def _read_any(tmp_path, data: bytes, table="indicators"):
    from icsgraph.tables import TABLES_BY_NAME, TableError, read_table
    path = tmp_path / f"{table}.csv"
    path.write_bytes(data)
    try:
        return read_table(TABLES_BY_NAME[table], path)
    except TableError as e:
        assert str(path) in str(e)
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_any_bytes_read_or_fail_with_a_table_error(tmp_path, data):
    _read_any(tmp_path, data)


CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(CELL, min_size=19, max_size=19), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_any_cells_under_a_good_header_read_or_fail_with_a_table_error(tmp_path, cells, encoding):
    import io
    header = ["id", "outcome", "label", "text", "target_value", "unit", "fingertips_id",
              "target_text", "target_year", "direction", "geography", "status", "topics", "source", "page",
              "line", "entered_on", "note"]  # (baselines are readings now: readings.csv)
    buf = io.StringIO()
    csv.writer(buf).writerows([header, cells])
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    _read_any(tmp_path, data)


def test_odd_numbers_and_digits_are_table_errors(tmp_path):
    for cells, column in ((["x", "", "L", "T", "NaN"], "target_value"), (["x", "", "L", "T", "1e9999"], "target_value"),
                          (["x", "", "L", "T", "", "", "", "", "", "", "defined", "", "s", "²"], "page")):
        header = ["id", "outcome", "label", "text", "target_value", "unit",
                  "target_text", "target_year", "direction", "geography", "status", "topics", "source", "page"]
        rows = [header, cells + [""] * (len(header) - len(cells))]
        from icsgraph.tables import TABLES_BY_NAME, TableError, read_table
        path = tmp_path / "indicators.csv"
        write_rows(path, rows)
        with pytest.raises(TableError) as e:
            read_table(TABLES_BY_NAME["indicators"], path)
        assert e.value.column == column and e.value.row == 2
