"""Every canned query gives the same answer on every engine: the embedded engine (Oxigraph
under rdflib's API), rdflib's own pure-Python engine, an Oxigraph server and Virtuoso 7, the
two servers loaded with `icsgraph publish`. Run on the real Kent graph, built once; and the
monitoring queries again on a graph that holds progress returns and readings (Kent's data/
has none): the INVENTED example quarter of examples/, imported as the README's tour does it.

The test is parametrised over queries/*.rq as they are when the tests are collected, so a
query someone adds is checked too, with its parameters' example values. Answers are compared
as sorted rows, and, where the query has an ORDER BY, as the sequence of its sort keys (rows
that tie on every key may come in any order)."""
import csv
import json
import re
import shutil

import pytest

from conftest import ROOT, run_cli
from servers import unique_graph

from icsgraph.queries import list_queries, load_graph, run_query

QUERIES = list_queries(ROOT / "queries")
ENGINES = ["rdflib", "oxigraph-server", "virtuoso"]


@pytest.fixture(scope="session")
def kent(tmp_path_factory):
    """The real project (data, ontology, queries), built once for the session."""
    root = tmp_path_factory.mktemp("kent")
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("parts", "sources"))
    status, _, err = run_cli("build", "--project", root)
    assert status == 0, err
    return root


def _published(kent, server):
    graph = unique_graph("kent")
    status, _, err = run_cli("publish", "--endpoint", server.store_url, "--graph", graph, "--project", kent)
    assert status == 0, err
    return {"endpoint": server.query_url, "endpoint_graph": graph}


@pytest.fixture(scope="session")
def kent_on_oxigraph_server(kent, oxigraph_server):
    return _published(kent, oxigraph_server)


@pytest.fixture(scope="session")
def kent_on_virtuoso(kent, virtuoso_server):
    return _published(kent, virtuoso_server)


def _engines(project, request, published):
    """Keyword arguments for run_query, per engine; servers started and loaded on first use
    (`published` names the fixtures that publish `project` to each server)."""
    graph_path = project / "build" / "graph.ttl"
    cache = {}

    def get(engine):
        if engine not in cache:
            if engine == "embedded":
                cache[engine] = {"graph": load_graph(graph_path, "oxigraph")}
            elif engine == "rdflib":
                from rdflib import Graph
                g = Graph()
                g.parse(graph_path, format="turtle")
                cache[engine] = {"graph": g}
            else:
                cache[engine] = request.getfixturevalue(published[engine])
        return cache[engine]
    return get


@pytest.fixture(scope="session")
def engine_args(kent, request):
    return _engines(kent, request, {"oxigraph-server": "kent_on_oxigraph_server", "virtuoso": "kent_on_virtuoso"})


def example_params(query):
    missing = [p.name for p in query.params if p.example is None and p.default is None]
    if missing:
        pytest.skip(f"{query.name}: no example value for {', '.join(missing)}")
    return {p.name: p.example if p.example is not None else p.default for p in query.params}


def order_keys(query):
    """The outermost ORDER BY's leading plain-variable keys, e.g. ['actions', 'lead'] for
    `ORDER BY DESC(?actions) ?lead` (stops at the first expression)."""
    text = re.sub(r"#[^\n]*", "", query.text)
    last_brace = text.rfind("}")
    match = re.search(r"\bORDER\s+BY\b(.*)", text[last_brace:], flags=re.I | re.S)
    if not match:
        return []
    keys = []
    for token in re.findall(r"(?:ASC|DESC)\s*\([^)]*\)|\?\w+|\S+", match.group(1), flags=re.I):
        m = re.fullmatch(r"(?:(?:ASC|DESC)\s*\(\s*)?\?(\w+)\s*\)?", token, flags=re.I)
        if not m or m.group(1) not in query.variables:
            break
        keys.append(m.group(1))
    return keys


_answers = {}


def answer(engine_args, engine, query, params=None):
    params = example_params(query) if params is None else params
    key = (id(engine_args), engine, query.name, tuple(sorted(params.items())))
    if key not in _answers:
        _answers[key] = run_query(query.name, queries_dir=ROOT / "queries", **engine_args(engine), **params)
    return _answers[key]


def canonical(rows):
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows)


def assert_same(query, engine, expected, got):
    assert canonical(got) == canonical(expected), f"{query.name} differs on {engine}"
    keys = order_keys(query)
    if keys:
        assert [[r[k] for k in keys] for r in got] == [[r[k] for k in keys] for r in expected], \
            f"{query.name}: rows in another order on {engine} (ORDER BY {' '.join(keys)})"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_same_answer_on_every_engine(query, engine, engine_args, request):
    assert_same(query, engine, answer(engine_args, "embedded", query), answer(engine_args, engine, query))


# --- the monitoring queries on a graph with progress returns and readings -----------------------

EXAMPLES = ROOT / "examples"
# the INVENTED example: returns for 2025-Q3 and 2025-Q4, a late correction of a Q3 return
# (so a replaced revision), an action an officer added, readings in our columns and from a
# Fingertips export, and two returns for 2026-Q1, one reopening an action completed in Q3;
# asked about the quarter before, the quarters returned and the one after (when the actions
# closed by an earlier return keep that status, unless a later return reopened them)
PERIODS = ("2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")
INDICATORS = ("I-SO2-1", "I-SO1-1", "I-SO3-2")  # our columns; Fingertips 93085; both
MONITORING = ("action-status", "actions-at-risk", "returns-missing", "indicator-trend", "outcome-progress",
              "directorate-progress", "returns-history", "progress-recorded")


def _monitoring_cases():
    by_name = {q.name: q for q in QUERIES}
    for name in MONITORING:
        q = by_name[name]
        names = {p.name for p in q.params}
        if names == {"period"}:
            yield from ((q, {"period": p}) for p in PERIODS)
        elif names == {"indicator"}:
            yield from ((q, {"indicator": i}) for i in INDICATORS)
        else:
            assert not names, f"{name}: which values to ask about?"
            yield q, {}


MONITORING_CASES = list(_monitoring_cases())


def _ok(*args):
    status, out, err = run_cli(*args)
    assert status == 0, (args, out, err)


@pytest.fixture(scope="session")
def quarter(tmp_path_factory):
    """The real project with the INVENTED example returns and readings imported, built."""
    root = tmp_path_factory.mktemp("quarter")
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("parts", "sources"))
    _ok("progress", "import", EXAMPLES / "INVENTED-returns-2025-Q3.csv", "--recorded-on", "2025-10-15", "--project", root)
    _ok("progress", "import", EXAMPLES / "INVENTED-returns-2025-Q4.csv", "--recorded-on", "2026-01-15", "--project", root)
    fix = root / "fix.csv"
    fix.write_text("action,period,status,narrative\nA-PH-24,2025-Q3,on-track,INVENTED correction\n", encoding="utf-8")
    _ok("progress", "import", fix, "--replace", "--recorded-on", "2026-02-01", "--project", root)
    q1 = root / "q1.csv"
    q1.write_text("action,period,status,narrative\nA-GET-07,2026-Q1,on-track,INVENTED: reopened after review\n"
                  "A-GET-01,2026-Q1,off-track,INVENTED: slipped again\n", encoding="utf-8")
    _ok("progress", "import", q1, "--recorded-on", "2026-04-10", "--project", root)
    actions = root / "data" / "actions.csv"
    with open(actions, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0] + [c for c in ("entered_by", "entered_on", "authority") if c not in rows[0]]
    added = {"id": "A-GET-99", "directorate": "get", "title": "INVENTED action added by an officer",
             "text": "INVENTED: an action agreed after the Plan", "due_date": "2026-12-31", "outcomes": "SO2",
             "entered_by": "INVENTED officer", "entered_on": "2026-02-10", "authority": "INVENTED meeting"}
    rows = [header] + [r + [""] * (len(header) - len(r)) for r in rows[1:]] + [[added.get(h, "") for h in header]]
    with open(actions, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    _ok("readings", "import", EXAMPLES / "INVENTED-readings.csv", EXAMPLES / "INVENTED-fingertips-export.csv",
        "--recorded-on", "2026-01-20", "--project", root)
    _ok("build", "--project", root)
    return root


def _published_after_asking_a_graph_without_returns(kent_where, quarter, server):
    """The example published after every monitoring query has been asked of Kent's graph (no
    returns) with its example values, as the tests above do, on the same server. (So asked
    first, Virtuoso 7 answered "?pc < ?_period" with nothing on the graph with returns
    afterwards, in outcome-progress, directorate-progress and returns-missing as they were.)"""
    for name in MONITORING:
        query = next(q for q in QUERIES if q.name == name)
        run_query(name, queries_dir=ROOT / "queries", **kent_where, **example_params(query))
    return _published(quarter, server)


@pytest.fixture(scope="session")
def quarter_on_oxigraph_server(kent_on_oxigraph_server, quarter, oxigraph_server):
    return _published_after_asking_a_graph_without_returns(kent_on_oxigraph_server, quarter, oxigraph_server)


@pytest.fixture(scope="session")
def quarter_on_virtuoso(kent_on_virtuoso, quarter, virtuoso_server):
    return _published_after_asking_a_graph_without_returns(kent_on_virtuoso, quarter, virtuoso_server)


@pytest.fixture(scope="session")
def quarter_args(quarter, request):
    return _engines(quarter, request, {"oxigraph-server": "quarter_on_oxigraph_server",
                                       "virtuoso": "quarter_on_virtuoso"})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query,params", MONITORING_CASES,
                         ids=[f"{q.name}-{'-'.join(p.values()) or 'all'}" for q, p in MONITORING_CASES])
def test_monitoring_queries_agree_on_a_graph_with_returns(query, params, engine, quarter_args, request):
    got = answer(quarter_args, engine, query, params)
    assert_same(query, engine, answer(quarter_args, "embedded", query, params), got)
    if query.name == "actions-at-risk":  # worst first (its ORDER BY starts with an expression)
        codes = [r["status_code"] for r in got]
        assert codes == sorted(codes, key=["off-track", "at-risk"].index) and "off-track" in codes, codes


def test_the_graph_with_returns_gives_every_monitoring_query_something_to_compare(quarter_args):
    """Not vacuous: the example's returns reach each status count, the closed actions and the
    replaced revision."""
    by_name = {q.name: q for q in QUERIES}
    got = lambda name, **params: answer(quarter_args, "embedded", by_name[name], params)  # noqa: E731
    assert {q.name for q, p in MONITORING_CASES if got(q.name, **p)} == set(MONITORING)
    for period in ("2025-Q4", "2026-Q1"):  # with returns for the quarter; with only closed ones kept
        rows = got("directorate-progress", period=period)
        assert any(int(r["no_return"]) < int(r["actions"]) for r in rows), period
    closed = {p: {r["directorate"]: int(r["complete"]) for r in got("directorate-progress", period=p)}
              for p in ("2025-Q4", "2026-Q2")}
    get = "Growth, Environment and Transport"
    assert closed["2025-Q4"][get] == 1 and closed["2026-Q2"][get] == 0  # A-GET-07: complete in Q3, reopened in 2026-Q1
    assert any(r["returned"] != "0" for r in got("returns-missing", period="2025-Q4"))
    assert any(r["replaced_by_revision"] for r in got("returns-history"))


def test_order_keys_read_from_the_outer_order_by():
    q = next(q for q in QUERIES if q.name == "actions-by-outcome")
    assert order_keys(q) and all(k in q.variables for k in order_keys(q))


def test_every_query_has_an_answer_to_compare(engine_args):
    """Not a vacuous comparison: on Kent most canned queries give rows."""
    answered = [q.name for q in QUERIES if not any(p.example is None and p.default is None for p in q.params)
                and answer(engine_args, "embedded", q)]
    assert len(answered) >= len(QUERIES) * 2 // 3, answered


# --- lists longer than Virtuoso can sort -------------------------------------------------------

@pytest.fixture(scope="session")
def long_lists(tmp_path_factory):
    """A small graph with national-scale lists: one "Led by" role leading 600 actions across 60
    directorates (a list of action codes of 5,000 characters, as at 100x Kent), and a second
    role with a few."""
    lines = ["@prefix icsg: <https://w3id.org/icsgraph/ontology#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    node = "https://w3id.org/icsgraph/id/"
    for d in range(60):
        lines.append(f'<{node}organisation/d{d}> rdfs:label "Directorate {d} (ICS {d})" .')
    for i in range(600):
        lead = "Director of Public Health" if i % 100 else "Head of Service"
        lines.append(f'<{node}action/A-{i:03d}> a icsg:Action ; icsg:code "A-{i % 60:02d}-{i // 60 + 1}" ; '
                     f'icsg:leadRole "{lead}" ; icsg:ownedBy <{node}organisation/d{i % 60}> ; '
                     f'icsg:dueDate "20{26 + i % 3}-03-31"^^xsd:date .')
    path = tmp_path_factory.mktemp("long") / "graph.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_actions_by_lead_with_lists_longer_than_virtuoso_sorts(long_lists, engine, request):
    """At 100x Kent Virtuoso answered actions-by-lead with HTTP 500 (SR319: a row too long to
    sort); the rows must be Oxigraph's on every engine."""
    from icsgraph.endpoint import publish
    query = next(q for q in QUERIES if q.name == "actions-by-lead")
    expected = run_query(query.name, queries_dir=ROOT / "queries", graph=load_graph(long_lists, "oxigraph"))
    assert [r["actions"] for r in expected] == ["594", "6"] and len(expected[0]["action_codes"]) > 4000
    if engine == "rdflib":
        got = run_query(query.name, queries_dir=ROOT / "queries", graph=load_graph(long_lists, "rdflib"))
    else:
        server = request.getfixturevalue({"oxigraph-server": "oxigraph_server", "virtuoso": "virtuoso_server"}[engine])
        graph = unique_graph("long-lists")
        publish(long_lists, server.store_url, graph)
        got = run_query(query.name, queries_dir=ROOT / "queries", endpoint=server.query_url, endpoint_graph=graph)
    assert_same(query, engine, expected, got)
