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


def test_every_data_node_cites_a_source_document(project):
    assert run_cli("build", "--project", project)[0] == 0
    g = Graph().parse(project / "build" / "graph.ttl")
    q = """PREFIX dct: <http://purl.org/dc/terms/>
           SELECT ?s WHERE { ?s a ?c . FILTER(STRSTARTS(STR(?s), "%s"))
             FILTER(!CONTAINS(STR(?s), "/document/"))
             FILTER NOT EXISTS { ?s dct:source ?d } }""" % NODE
    assert list(g.query(q)) == []


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
    # the previous build is left intact, and no temporary file is left behind
    assert (project / "build" / "graph.ttl").read_bytes() == good
    assert sorted(p.name for p in (project / "build").iterdir()) == ["graph.ttl"]


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
