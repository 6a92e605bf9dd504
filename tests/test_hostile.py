"""Hostile input: whatever an officer's spreadsheet or a web form sends, nothing crashes
with a traceback, nothing is half written, nothing is run, and no answer changes but the
one asked for.

- the table reader and the build, over generated CSV bytes (hypothesis);
- the parameter binding, any string for any parameter of any canned query (hypothesis), and
  a fixed list of hostile values for every parameter of every canned query, locally and on
  Virtuoso;
- a spreadsheet formula in a table reaches CSV answers neutralised and JSON answers exact;
- Excel's two CSV flavours (UTF-8 with a byte-order mark; Windows-1252) read;
- two builds under different PYTHONHASHSEED give byte-identical outputs (graph, gap report,
  network page, canned answers, static site).
"""
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINI, ROOT, make_project, run_cli
from servers import unique_graph

from icsgraph.build import build
from icsgraph.queries import QueryError, list_queries, load_graph, run_query
from icsgraph.tables import TableError

QUERIES = list_queries(ROOT / "queries")
PARAMETERISED = [(q, p) for q in QUERIES for p in q.params]
HOSTILE = [
    'x" } ; DROP ALL ; {',
    "x' } ; DROP ALL ; { '",
    '"""; DELETE WHERE { ?s ?p ?o } #',
    "> } UNION { ?s ?p ?o } #",
    "?_topic",
    "\\u0022) || true || (\\u0022",
    "' OR '1'='1",
    "=HYPERLINK(\"http://evil.example/\",\"x\")",
    "<script>alert(1)</script>",
    "loneliness\" . ?s ?p ?o . FILTER(\"",
    "\x00\x01\r\n\t",
    "%00%22%7D",
    "2026-03-31\"^^<http://www.w3.org/2001/XMLSchema#date> } ; CLEAR ALL ; {",
    "1 } UNION { ?s ?p ?o",
    "x" * 5000,
]
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- the table reader and the build --------------------------------------------------------

def _rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _csv_bytes(rows, encoding):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding, errors="strict")


CELL = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30) | \
    st.sampled_from(["", "=1+1", "@SUM(A1)", "-2", "SO3", "SO9", "2026-13-45", "ph", "nobody",
                     "loneliness; nowhere", '"', "\r\n", ",", "\ufeff", "\u2013", "\u00a3"])


@st.composite
def mutated_actions(draw):
    """actions.csv of the mini fixture with cells replaced, rows dropped or duplicated,
    bytes inserted, and saved in an encoding Excel might use."""
    rows = _rows_of(MINI / "actions.csv")
    for _ in range(draw(st.integers(0, 4))):
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = draw(CELL)
    if draw(st.booleans()):
        rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]))
    if draw(st.booleans()) and len(rows) > 2:
        del rows[draw(st.integers(1, len(rows) - 1))]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    try:
        data = _csv_bytes(rows, encoding)
    except UnicodeEncodeError:
        data = _csv_bytes(rows, "utf-8")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return data


@pytest.fixture
def mini_project(tmp_path):
    return make_project(tmp_path / "p", MINI)


@SETTINGS
@given(data=mutated_actions() | st.binary(max_size=300))
def test_any_bytes_in_a_table_give_a_graph_or_a_table_error(mini_project, data):
    """The build of a project whose actions.csv holds these bytes either succeeds or says
    what is wrong (TableError naming the file); the previous graph stays whole either way."""
    out = mini_project / "build" / "graph.ttl"
    if not out.exists():
        build(mini_project / "data", mini_project / "ontology", out)
    before = out.read_bytes()
    (mini_project / "data" / "actions.csv").write_bytes(data)
    try:
        build(mini_project / "data", mini_project / "ontology", out)
    except TableError as e:
        assert str(e).strip() and "\n\n" not in str(e)
        assert out.read_bytes() == before, "a failed build changed the graph"
    else:
        from rdflib import Graph
        assert len(Graph().parse(out)) > 0
    finally:
        shutil.copy(MINI / "actions.csv", mini_project / "data" / "actions.csv")
    assert not list(out.parent.glob("*.tmp*")), "a temporary file was left behind"


def test_the_cli_build_of_a_broken_table_is_one_paragraph(mini_project):
    (mini_project / "data" / "actions.csv").write_bytes(b"\xff\xfeid,title\r\n\x00A\x00")
    status, out, err = run_cli("build", "--project", mini_project)
    assert status == 1 and "Traceback" not in err and "actions.csv" in err


# --- the parameter binding ------------------------------------------------------------------

@pytest.fixture(scope="module")
def mini_graph(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("hostile"), MINI)
    out = project / "build" / "graph.ttl"
    build(project / "data", project / "ontology", out)
    return out


def _params(query, **override):
    values = {p.name: (p.example if p.example is not None else p.default) for p in query.params}
    values.update(override)
    return {k: v for k, v in values.items() if v is not None}


def _fingerprint(graph) -> str:
    """Every triple of the graph, canonically: a query that changed it would show here."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _answer_or_refusal(run):
    try:
        return run()
    except QueryError as e:  # NameNotFound and EndpointError are QueryErrors
        assert str(e).strip()
        return None


@SETTINGS
@given(choice=st.sampled_from(PARAMETERISED) if PARAMETERISED else st.nothing(),
       value=st.text(max_size=60) | st.sampled_from(HOSTILE))
def test_any_string_for_any_parameter(mini_graph, choice, value):
    """Bound, never pasted: any text is refused with a QueryError or answered as text.
    An answer for text that is not an example's own value is no bigger than the answer to
    'everything' and the graph is unchanged."""
    query, param = choice
    graph = load_graph(mini_graph)
    before = len(graph)
    rows = _answer_or_refusal(lambda: run_query(query.name, graph=graph, queries_dir=ROOT / "queries",
                                                **_params(query, **{param.name: value})))
    assert len(graph) == before
    if rows is not None and param.type == "string" and any(ch in value for ch in "{}\"'<>?#\\"):
        # text with SPARQL syntax in it names nothing in the mini fixture: it matches nothing
        assert rows == [], (query.name, param.name, value, rows[:2])


@pytest.mark.parametrize("value", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_values_match_nothing_and_alter_nothing_locally(mini_graph, value):
    graph = load_graph(mini_graph)
    fingerprint = _fingerprint(graph)
    counts = run_query("graph-counts", graph=graph, queries_dir=ROOT / "queries") \
        if any(q.name == "graph-counts" for q in QUERIES) else None
    for query, param in PARAMETERISED:
        rows = _answer_or_refusal(lambda: run_query(query.name, graph=graph, queries_dir=ROOT / "queries",
                                                    **_params(query, **{param.name: value})))
        assert not rows, (query.name, param.name, rows[:2])
    assert _fingerprint(graph) == fingerprint
    if counts is not None:
        assert run_query("graph-counts", graph=graph, queries_dir=ROOT / "queries") == counts


@pytest.fixture(scope="module")
def mini_on_virtuoso(mini_graph, virtuoso_server):
    from icsgraph.endpoint import publish
    graph = unique_graph("hostile")
    publish(mini_graph, virtuoso_server.store_url, graph)
    return {"endpoint": virtuoso_server.query_url, "endpoint_graph": graph}


def _remote_count(remote) -> int:
    from icsgraph.endpoint import sparql
    data = sparql(remote["endpoint"], "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", remote["endpoint_graph"])
    return int(data["results"]["bindings"][0]["n"]["value"])


def test_hostile_values_match_nothing_and_alter_nothing_on_virtuoso(mini_graph, mini_on_virtuoso):
    before = _remote_count(mini_on_virtuoso)
    assert before == len(load_graph(mini_graph))
    reference = {q.name: run_query(q.name, queries_dir=ROOT / "queries", **mini_on_virtuoso, **_params(q))
                 for q in QUERIES if all(v is not None for v in _params(q).values()) and len(_params(q)) == len(q.params)}
    for value in HOSTILE:
        for query, param in PARAMETERISED:
            rows = _answer_or_refusal(lambda: run_query(query.name, queries_dir=ROOT / "queries", **mini_on_virtuoso,
                                                        **_params(query, **{param.name: value})))
            assert not rows, (query.name, param.name, value, rows[:2])
    assert _remote_count(mini_on_virtuoso) == before
    for name, rows in reference.items():
        query = next(q for q in QUERIES if q.name == name)
        assert run_query(name, queries_dir=ROOT / "queries", **mini_on_virtuoso, **_params(query)) == rows, name


# --- a formula in a table ---------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/","x")'


def _with_action_title(project: Path, title: str, encoding="utf-8") -> None:
    rows = _rows_of(project / "data" / "actions.csv")
    rows[1][rows[0].index("title")] = title
    (project / "data" / "actions.csv").write_bytes(_csv_bytes(rows, encoding))


def test_a_formula_in_actions_csv_reaches_csv_neutralised_and_json_exact(mini_project):
    _with_action_title(mini_project, FORMULA)
    assert run_cli("build", "--project", mini_project)[0] == 0
    args = ("query", "actions-due", "-p", "before=2030-01-01", "--project", mini_project)
    status, out, err = run_cli(*args, "--format", "json")
    assert status == 0, err
    assert FORMULA in [r["title"] for r in json.loads(out)]
    status, out, err = run_cli(*args, "--format", "csv")
    assert status == 0, err
    cells = [cell for row in csv.reader(io.StringIO(out.lstrip("\ufeff"))) for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    # the gap report's CSV too, where the action appears
    gaps_csv = mini_project / "gaps.csv"
    status, _, err = run_cli("gaps", "--format", "csv", "--out", gaps_csv, "--as-of", "2030-01-01",
                             "--project", mini_project)
    assert status == 0, err
    for cell in (c for row in csv.reader(io.StringIO(gaps_csv.read_text(encoding="utf-8-sig"))) for c in row):
        assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell == "", cell


# --- Excel's CSV flavours ---------------------------------------------------------------------

@pytest.mark.parametrize("encoding,said", [("utf-8-sig", "byte-order mark"), ("cp1252", "Windows-1252")])
def test_excel_csv_flavours_read(mini_project, encoding, said):
    title = "Café hubs \u2013 £5 \u201cwarm spaces\u201d"
    _with_action_title(mini_project, title, encoding)
    status, out, err = run_cli("build", "--project", mini_project)
    assert status == 0, err
    assert "actions.csv" in out + err and said in out + err
    status, out, err = run_cli("query", "actions-due", "-p", "before=2030-01-01", "--format", "json",
                               "--project", mini_project)
    assert title in [r["title"] for r in json.loads(out)]


# --- deterministic outputs --------------------------------------------------------------------

def _outputs(project: Path, out: Path, seed: str) -> dict:
    """`icsgraph all` and `icsgraph site` in a process with this PYTHONHASHSEED: {file: sha256}."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    for args in (["all", "--out", str(out), "--as-of", "2026-01-01"], ["build"], ["site", "--out", str(out / "site")]):
        proc = subprocess.run([sys.executable, "-m", "icsgraph.cli", *args, "--project", str(project)],
                              capture_output=True, text=True, env=env, cwd=ROOT)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    # graph.oxigraph/ is not an output but a copy of graph.ttl kept for queries (a database whose
    # files carry their own ids and times), marked with graph.ttl's SHA-256: that mark is compared
    return {str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(out.rglob("*")) if path.is_file()
            and (path.parent.name != "graph.oxigraph" or path.name == "SOURCE-SHA256")}


def test_two_builds_with_different_hash_seeds_are_byte_identical(tmp_path):
    project = make_project(tmp_path / "p", MINI)
    first = _outputs(project, tmp_path / "one", "1")
    second = _outputs(project, tmp_path / "two", "4242")
    for name in ("graph.ttl", "gaps.html", "gaps.md", "gaps.csv", "gaps.json", "network.html", "site/index.html"):
        assert name in first, (name, sorted(first)[:20])
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
