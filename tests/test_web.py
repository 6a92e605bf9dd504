"""The web app and query API, served for real: `icsgraph serve` (uvicorn) on a free loopback
port over the Kent graph; the API against `icsgraph query --format json`; the OpenAPI
document (openapi-spec-validator, schemathesis); content negotiation; errors; SIGTERM;
the same answers over a real Oxigraph server with --endpoint."""
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, URIRef
from typer.testing import CliRunner

from conftest import ROOT, make_project, run_cli

NODE = "https://w3id.org/icsgraph/id/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=30, proc=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server stopped: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def get(url, accept=None):
    """(status, headers, body bytes) of a GET, errors included."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="session")
def kent(tmp_path_factory):
    """A copy of the real project (sources included, for the quoted text), built once."""
    folder = tmp_path_factory.mktemp("kent")
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("parts"))
    status, _, err = run_cli("build", "--project", folder)
    assert status == 0, err
    return folder


class Server:
    def __init__(self, project, *extra):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "icsgraph.cli", "serve", "--port", str(self.port),
                                      "--project", str(project), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        wait_for(self.url + "/api/queries", 60, self.proc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


@pytest.fixture(scope="session")
def server(kent):
    s = Server(kent)
    yield s
    s.stop()


def _examples(q):
    return {p.name: p.example for p in q.params if p.example is not None}


def _cli_json(project, name, params):
    from icsgraph.cli import app
    args = ["query", name, "--format", "json", "--project", str(project)]
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the API ---------------------------------------------------------------------------

def test_every_query_over_http_equals_the_command_line(server, kent):
    from icsgraph.queries import list_queries
    queries = list_queries(kent / "queries")
    assert len(queries) >= 12
    for q in queries:
        params = _examples(q)
        status, headers, body = get(f"{server.url}/api/queries/{q.name}?{urllib.parse.urlencode(params)}")
        assert status == 200, (q.name, body[:300])
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(body) == _cli_json(kent, q.name, params), q.name


def test_csv_answer_has_the_same_rows_as_json(server):
    status, headers, body = get(f"{server.url}/api/queries/services-for-topic.csv?topic=loneliness")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    answer = json.loads(get(f"{server.url}/api/queries/services-for-topic?topic=loneliness")[2])
    assert len(rows) == len(answer) + 1 and len(answer) > 5
    # the data cells are the JSON's values, column by column
    columns = [c for c in answer[0] if not c.endswith("_iri")]
    assert [r[0] for r in rows[1:]] == [a[columns[0]] or "" for a in answer]


def test_catalogue_lists_every_query_with_its_parameters(server, kent):
    status, _, body = get(f"{server.url}/api/queries")
    catalogue = {q["name"]: q for q in json.loads(body)}
    assert set(catalogue) == {p.stem for p in (kent / "queries").glob("*.rq")}
    topic = catalogue["services-for-topic"]["parameters"][0]
    assert topic["name"] == "topic" and topic["example"] == "loneliness" and topic["required"] is True


def test_openapi_is_valid_and_has_one_operation_per_query_file(server, kent):
    from openapi_spec_validator import validate
    status, _, body = get(f"{server.url}/api/openapi.json")
    spec = json.loads(body)
    validate(spec)
    assert set(spec["paths"]) == {f"/api/queries/{p.stem}" for p in (kent / "queries").glob("*.rq")}
    op = spec["paths"]["/api/queries/actions-due"]["get"]
    (before,) = op["parameters"]
    assert before["schema"]["format"] == "date" and before["required"] is True


def test_a_new_query_file_adds_an_operation(tmp_path):
    from icsgraph.queries import list_queries
    from icsgraph.web.openapi import build_spec
    shutil.copytree(ROOT / "queries", tmp_path / "queries")
    before = build_spec(list_queries(tmp_path / "queries"))
    (tmp_path / "queries" / "zz-new.rq").write_text(
        "#+ summary: A new question\n#+ params:\n#+   when:\n#+     type: date\n#+     example: '2026-01-01'\n"
        "SELECT ?x WHERE { ?x ?p ?_when }\n", encoding="utf-8")
    after = build_spec(list_queries(tmp_path / "queries"))
    assert set(after["paths"]) - set(before["paths"]) == {"/api/queries/zz-new"}
    assert after["paths"]["/api/queries/zz-new"]["get"]["parameters"][0]["schema"]["format"] == "date"


@pytest.mark.parametrize("path, status, words", [
    ("/api/queries/no-such-query", 404, "no canned query"),
    ("/api/queries/actions-due?before=not-a-date", 400, "YYYY-MM-DD"),
    ("/api/queries/actions-due", 400, "before"),
    ("/api/queries/outcome-coverage?colour=red", 400, "no parameter 'colour'"),
    ("/api/queries/thin-coverage?threshold=many", 400, "whole number"),
    ("/api/queries/..%2F..%2Fetc%2Fpasswd", 404, ""),
])
def test_api_errors_are_json_and_never_500(server, path, status, words):
    got, headers, body = get(server.url + path)
    assert got == status, body[:300]
    assert headers["Content-Type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert words in error and "Traceback" not in error


def test_schemathesis_finds_no_server_error(server, tmp_path):
    exe = shutil.which("schemathesis") or shutil.which("st")
    if exe is None:
        pytest.skip("schemathesis is not installed")
    proc = subprocess.run([exe, "run", f"{server.url}/api/openapi.json", "--url", server.url,
                           "--checks", "not_a_server_error", "--max-examples", "3",
                           "--request-timeout", "20", "--generation-deterministic", "--no-color",
                           "--phases", "examples,fuzzing"],
                          capture_output=True, text=True, timeout=150, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


# --- node pages and content negotiation ---------------------------------------------------------

def test_node_turtle_holds_the_nodes_triples(server, kent):
    iri = URIRef(NODE + "commitment/C-SO2-PH-03")
    whole = Graph().parse(kent / "build" / "graph.ttl")
    expected = set(whole.triples((iri, None, None)))
    for url, accept in ((f"{server.url}/id/commitment/C-SO2-PH-03", "text/turtle"),
                        (f"{server.url}/id/commitment/C-SO2-PH-03.ttl", None)):
        status, headers, body = get(url, accept)
        assert status == 200 and headers["Content-Type"].startswith("text/turtle")
        g = Graph().parse(data=body.decode("utf-8"), format="turtle")
        assert set(g.triples((iri, None, None))) == expected and len(expected) > 5
        assert (None, None, iri) in g  # and the links in
    status, headers, body = get(f"{server.url}/id/commitment/C-SO2-PH-03", "application/ld+json")
    assert headers["Content-Type"].startswith("application/ld+json")
    g = Graph().parse(data=body.decode("utf-8"), format="json-ld")
    assert set(g.triples((iri, None, None))) == expected


def test_node_page_shows_facts_source_text_and_links_both_ways(server):
    status, headers, body = get(f"{server.url}/id/commitment/C-SO2-PH-03", "text/html")
    html = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Cost of living crisis support" in html
    assert "line 461" in html and "kcc-ics-delivery-plan-2025.txt" in html  # where it comes from
    line = (ROOT / "data/sources/kcc-ics-delivery-plan-2025.txt").read_text(encoding="utf-8").splitlines()[460]
    assert line.strip()[:30] in html.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
    assert "Delivered through" in html and "Made by" in html  # links out, in the ontology's words
    assert 'rel="alternate" type="text/turtle"' in html
    # the other side: a mechanism page lists what it helps deliver
    html = get(f"{server.url}/id/mechanism/m-mecc", "text/html")[2].decode("utf-8")
    assert "Helps deliver" in html and "C-SO2-PH-03" not in html or "Cost of living crisis support" in html
    assert get(f"{server.url}/id/commitment/NO-SUCH")[0] == 404


def test_search_finds_alternative_labels(server):
    html = get(f"{server.url}/search?q=social+isolation")[2].decode("utf-8")
    assert re.search(r'href="[^"]*topic/loneliness"', html), html[-3000:]


def test_query_page_without_parameters_shows_the_form_with_the_example(server):
    status, _, body = get(f"{server.url}/queries/services-for-topic")
    html = body.decode("utf-8")
    assert status == 200 and 'name="topic"' in html and 'value="loneliness"' in html
    assert "Answer:" not in html
    assert "<datalist" in html and "social isolation" in html.lower()


def test_answer_page_links_cells_to_nodes_and_offers_downloads(server):
    html = get(f"{server.url}/queries/services-for-topic?topic=social+isolation")[2].decode("utf-8")
    assert "Answer:" in html
    assert re.search(r'href="\.\./id/(mechanism|commitment|action)/', html)
    for fmt in ("csv", "md"):
        assert f"services-for-topic.{fmt}?topic=social+isolation" in html
    assert "SELECT" in html  # the SPARQL on request


def test_html_errors_are_pages_not_tracebacks(server):
    status, headers, body = get(f"{server.url}/queries/actions-due?before=soon", "text/html")
    assert status == 400 and "YYYY-MM-DD" in body.decode() and "Traceback" not in body.decode()
    assert get(f"{server.url}/nowhere", "text/html")[0] == 404


def test_gap_report_and_network_pages(server):
    status, _, body = get(f"{server.url}/gaps")
    html = body.decode()
    assert status == 200 and "Directorates and shared outcomes" in html
    assert re.search(r'<a class="govuk-link" href="id/(outcome|priority|enabler)/', html)  # codes link to nodes
    assert 'href="queries/outcomes-without-actions"' in html  # and questions to their pages
    status, _, body = get(f"{server.url}/network/mechanism/m-mecc")
    assert status == 200 and "Making Every Contact Count" in body.decode() or status == 200
    assert get(f"{server.url}/network?focus=zzzz-nothing")[0] == 400


def test_sparql_endpoint_answers_like_oxigraph(server):
    q = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/icsgraph/ontology#SharedOutcome> }")
    status, headers, body = get(f"{server.url}/sparql?query={q}", "application/sparql-results+json")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "6"
    status, _, body = get(f"{server.url}/sparql?query=" + urllib.parse.quote("INSERT DATA { <a:b> <a:c> <a:d> }"),
                          "application/sparql-results+json")
    assert status == 400  # read-only


def test_sigterm_stops_serve_and_leaves_nothing(kent):
    s = Server(kent)
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(s.proc.pid)], capture_output=True, text=True).stdout
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(15) in (0, -signal.SIGTERM)  # uvicorn shuts down, then exits by the signal
    s.stop()
    assert not children.strip()  # it started no other process
    with pytest.raises(OSError):
        urllib.request.urlopen(s.url + "/", timeout=2)


# --- the same app over a real Oxigraph server ------------------------------------------------------

@pytest.fixture(scope="session")
def oxigraph_endpoint(kent, tmp_path_factory):
    try:
        from servers import oxigraph_server  # noqa: F401  (the engines helper's fixtures, once landed)
    except ImportError:
        pass
    port = free_port()
    store = tmp_path_factory.mktemp("oxstore")
    proc = subprocess.Popen([shutil.which("oxigraph"), "serve", "--location", str(store), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", 30, None)
        graph = "https://w3id.org/icsgraph/graph"
        status, _, err = run_cli("publish", "--endpoint", f"http://127.0.0.1:{port}/store", "--graph", graph,
                                 "--project", kent)
        assert status == 0, err
        yield f"http://127.0.0.1:{port}/query", graph
    finally:
        proc.terminate()
        proc.wait(10)


def _answer_table(html: str) -> str:
    m = re.search(r"<table class=\"govuk-table ics-sortable\".*?</table>", html, re.S)
    return m.group(0) if m else ""


def test_answer_pages_over_an_endpoint_equal_the_local_ones(kent, oxigraph_endpoint):
    from starlette.testclient import TestClient
    from icsgraph.project import Paths
    from icsgraph.queries import list_queries
    from icsgraph.web import make_app
    endpoint, graph = oxigraph_endpoint
    local = TestClient(make_app(Paths(kent)))
    remote = TestClient(make_app(Paths(kent), endpoint=endpoint, endpoint_graph=graph))
    for q in list_queries(kent / "queries"):
        params = _examples(q)
        a, b = local.get(f"/queries/{q.name}", params=params), remote.get(f"/queries/{q.name}", params=params)
        assert a.status_code == b.status_code == 200, (q.name, b.text[:500])
        assert _answer_table(a.text) == _answer_table(b.text), q.name
    a = local.get("/id/commitment/C-SO2-PH-03")
    b = remote.get("/id/commitment/C-SO2-PH-03")
    assert b.status_code == 200 and re.sub(r"<footer.*</footer>", "", a.text, flags=re.S) == \
        re.sub(r"<footer.*</footer>", "", b.text, flags=re.S)


# --- /network takes every parameter the network page reads from its address ------------------

@pytest.fixture(scope="module")
def mini_project(tmp_path_factory):
    from conftest import MINI
    project = make_project(tmp_path_factory.mktemp("mini-web"), MINI)
    status, _, err = run_cli("build", "--project", project)
    assert status == 0, err
    return project


def _page_reads():
    """The parameters the network page reads from its own address (its readUrl function)."""
    template = (ROOT / "src" / "icsgraph" / "templates" / "network.html").read_text(encoding="utf-8")
    body = template.split("function readUrl()", 1)[1].split("function writeUrl()", 1)[0]
    return set(re.findall(r'\bget\("(\w+)"\)', body))


def test_network_route_takes_every_parameter_the_page_reads(mini_project):
    from starlette.testclient import TestClient
    from icsgraph.project import Paths
    from icsgraph.web import make_app
    reads = _page_reads()
    assert reads >= {"focus", "hops", "outcome", "directorate", "topic", "status", "types", "view", "names", "select"}
    client = TestClient(make_app(Paths(mini_project)))
    whole = client.get("/network")
    assert whole.status_code == 200
    page_only = {"topic": "loneliness", "status": "none", "types": "Action,Commitment", "view": "network",
                 "names": "1", "select": "action/A-PH-01"}
    assert set(page_only) == reads - {"focus", "hops", "outcome", "directorate"}
    for name, value in page_only.items():   # the page applies these itself: the same page is served
        r = client.get("/network", params={name: value})
        assert r.status_code == 200 and r.text == whole.text, name
    focus = client.get("/network", params={"focus": "A-PH-01", "hops": "2"})
    everything = client.get("/network", params={"focus": "A-PH-01", "hops": "2", **page_only})
    assert everything.status_code == 200 and everything.text == focus.text != whole.text
    # still refused, with the reason: what the page does not read, and values it cannot take
    for params, words in (({"colour": "red"}, "topic, status, types, view, names and select, not 'colour'"),
                          ({"view": "map"}, "view must be 'network' or 'overview'"),
                          ({"names": "yes"}, "names must be '0' or '1'"),
                          ({"hops": "9"}, "hops must be a whole number from 0 to 6")):
        r = client.get("/network", params=params, headers={"accept": "application/json"})
        assert r.status_code == 400 and words in r.json()["error"], (params, r.text)


# --- /sparql with --endpoint: the endpoint's graph answers, read-only ---------------------------

SPARQL_PREFIXES = ("PREFIX icsg: <https://w3id.org/icsgraph/ontology#>\n"
                   "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
SECRET = '<urn:x:secret> <urn:x:says> "leaked" .\n'


def _store_count(server, graph):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    url = f"{server.query_url}?" + urllib.parse.urlencode({"query": q, "default-graph-uri": graph})
    return int(json.loads(get(url, "application/sparql-results+json")[2])["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def proxied(mini_project, oxigraph_server):
    """The mini graph published to a real Oxigraph server's default graph for icsgraph
    (https://w3id.org/icsgraph/graph: publish and serve with no --graph), another graph on the
    same store that the app must never read, and `icsgraph serve --endpoint` over it."""
    from servers import unique_graph
    status, _, err = run_cli("publish", "--endpoint", oxigraph_server.store_url, "--project", mini_project)
    assert status == 0, err
    other = unique_graph("not-the-apps")
    put = urllib.request.Request(f"{oxigraph_server.store_url}?" + urllib.parse.urlencode({"graph": other}),
                                 data=SECRET.encode(), method="PUT", headers={"Content-Type": "text/turtle"})
    with urllib.request.urlopen(put, timeout=30) as r:
        assert r.status in (200, 201, 204)
    s = Server(mini_project, "--endpoint", oxigraph_server.query_url)
    yield s, other
    s.stop()


def _post(url, data: bytes, ctype, accept):
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": ctype, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_sparql_is_proxied_to_the_endpoints_graph(mini_project, proxied, oxigraph_server):
    from starlette.testclient import TestClient
    from icsgraph.endpoint import DEFAULT_GRAPH
    from icsgraph.project import Paths
    from icsgraph.web import make_app
    s, other = proxied
    local = TestClient(make_app(Paths(mini_project)))
    results = "application/sparql-results+json"
    select = SPARQL_PREFIXES + "SELECT ?code ?label WHERE { ?o a icsg:SharedOutcome ; icsg:code ?code ; rdfs:label ?label } ORDER BY ?code"

    def cells(data):
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    expected = cells(local.get("/sparql", params={"query": select}, headers={"accept": results}).json())
    assert [r["code"] for r in expected] == ["SO1", "SO2", "SO3"]
    status, headers, body = get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": select}), results)
    assert status == 200 and headers["Content-Type"].startswith(results) and cells(json.loads(body)) == expected
    for data, ctype in ((urllib.parse.urlencode({"query": select}).encode(), "application/x-www-form-urlencoded"),
                        (select.encode(), "application/sparql-query")):
        status, _, body = _post(f"{s.url}/sparql", data, ctype, results)
        assert status == 200 and cells(json.loads(body)) == expected, ctype
    status, headers, body = get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": select, "format": "csv"}))
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and body.decode().splitlines()[1] == \
        f"SO1,{expected[0]['label']}"
    ask = SPARQL_PREFIXES + 'ASK { ?o icsg:code "SO2" }'
    assert json.loads(get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": ask}), results)[2])["boolean"] is True
    construct = SPARQL_PREFIXES + "CONSTRUCT { ?o rdfs:label ?l } WHERE { ?o a icsg:SharedOutcome ; rdfs:label ?l }"
    status, headers, body = get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": construct}), "text/turtle")
    remote_graph = Graph().parse(data=body.decode(), format="turtle")
    local_graph = Graph().parse(data=local.get("/sparql", params={"query": construct},
                                               headers={"accept": "text/turtle"}).text, format="turtle")
    assert status == 200 and len(remote_graph) == 3 and set(remote_graph) == set(local_graph)
    status, _, body = get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": select}), "text/html")
    page = body.decode()
    assert status == 200 and "SO2" in page and f"the graph &lt;{DEFAULT_GRAPH}&gt; on the triple store" in page
    # only the app's graph: another graph on the same store is never read
    for q in ('SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }', 'SELECT ?o WHERE { ?s ?p ?o FILTER(?o = "leaked") }',
              'SELECT ?o WHERE { <urn:x:secret> ?p ?o }'):
        status, _, body = get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": q}), results)
        assert status == 200 and "leaked" not in body.decode(), q
    # an explicit --graph reads that graph
    named = TestClient(make_app(Paths(mini_project), endpoint=oxigraph_server.query_url, endpoint_graph=other))
    r = named.get("/sparql", params={"query": "SELECT ?o WHERE { ?s ?p ?o }"}, headers={"accept": results})
    assert r.status_code == 200 and cells(r.json()) == [{"o": "leaked"}]


def test_sparql_proxy_refuses_updates_and_other_graphs(proxied, oxigraph_server):
    from icsgraph.endpoint import DEFAULT_GRAPH
    s, other = proxied
    before = (_store_count(oxigraph_server, DEFAULT_GRAPH), _store_count(oxigraph_server, other))
    update = "INSERT DATA { GRAPH <%s> { <urn:x:a> <urn:x:b> \"c\" } }" % DEFAULT_GRAPH
    results = "application/sparql-results+json"
    for how, (status, _, body) in (
            ("GET", get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": update}), results)),
            ("form", _post(f"{s.url}/sparql", urllib.parse.urlencode({"query": update}).encode(),
                           "application/x-www-form-urlencoded", results)),
            ("sparql-query", _post(f"{s.url}/sparql", update.encode(), "application/sparql-query", results)),
            ("sparql-update", _post(f"{s.url}/sparql", update.encode(), "application/sparql-update", results)),
            ("DROP", get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": "DROP ALL"}), results)),
            ("update=", _post(f"{s.url}/sparql", urllib.parse.urlencode({"update": update}).encode(),
                              "application/x-www-form-urlencoded", results))):
        if how == "update=":   # not a query at all: the form page, nothing run
            assert status == 200 and b"<form" in body
            continue
        message = json.loads(body)["error"]
        assert status == 400 and "update" in message and "only reads" in message, (how, message)
    for q, words in ((f"SELECT * FROM <{other}> WHERE {{ ?s ?p ?o }}", "FROM or FROM NAMED"),
                     (f"SELECT * FROM NAMED <{other}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "FROM or FROM NAMED"),
                     (f"SELECT * WHERE {{ SERVICE <{oxigraph_server.query_url}> {{ ?s ?p ?o }} }}", "SERVICE"),
                     ("SELEC ?s WHERE { ?s ?p ?o }", "could not be read as SPARQL 1.1")):
        status, _, body = get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": q}), results)
        assert status == 400 and words in json.loads(body)["error"], (q, body)
    status, _, body = get(f"{s.url}/sparql?" + urllib.parse.urlencode({"query": update}), "text/html")
    assert status == 400 and "only reads the graph" in body.decode() and "govuk-error-summary" in body.decode()
    assert (_store_count(oxigraph_server, DEFAULT_GRAPH), _store_count(oxigraph_server, other)) == before


def test_sparql_proxy_says_when_the_endpoint_cannot_answer(mini_project):
    from starlette.testclient import TestClient
    from icsgraph.project import Paths
    from icsgraph.web import make_app
    client = TestClient(make_app(Paths(mini_project), endpoint=f"http://127.0.0.1:{free_port()}/query"))
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 502 and "could not reach the SPARQL endpoint" in r.json()["error"]
