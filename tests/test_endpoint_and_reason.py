"""Publishing to a real Oxigraph server on 127.0.0.1, remote canned queries, `serve`, and
`reason` with HermiT."""
import json
import os
import signal
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, URIRef

from conftest import run_cli
from servers import free_port, unique_graph

NODE = "https://w3id.org/icsgraph/id/"
ICSG = "https://w3id.org/icsgraph/ontology#"


def wait_for(url, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def local_json(project, *args):
    status, out, err = run_cli("query", *args, "--format", "json", "--project", project)
    assert status == 0, err
    return json.loads(out)


def test_publish_then_same_answers_remotely(project, oxigraph_server):
    GRAPH = unique_graph("remote")
    assert run_cli("build", "--project", project)[0] == 0
    status, out, err = run_cli("publish", "--endpoint", oxigraph_server.store_url, "--graph", GRAPH,
                               "--project", project)
    assert status == 0, err
    remote = ["--endpoint", oxigraph_server.query_url, "--graph", GRAPH]
    for topic in ("loneliness", "Social Isolation", "physical activity"):
        here = local_json(project, "services-for-topic", "-p", f"topic={topic}")
        there = local_json(project, "services-for-topic", "-p", f"topic={topic}", *remote)
        assert here and there == here
    # a hostile value names no topic: refused before any query is sent, nothing dropped
    status, out, err = run_cli("query", "services-for-topic", "-p", 'topic=x" } ; DROP ALL ; {', *remote,
                               "--project", project)
    assert status == 1 and "there is no topic called" in err
    assert local_json(project, "services-for-topic", "-p", "topic=loneliness", *remote)


def test_publish_replaces_the_graph_not_adds_to_it(project, oxigraph_server):
    GRAPH = unique_graph("replace")
    assert run_cli("build", "--project", project)[0] == 0
    for _ in range(2):
        assert run_cli("publish", "--endpoint", oxigraph_server.store_url, "--graph", GRAPH,
                       "--project", project)[0] == 0
    q = urllib.parse.quote(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    request = urllib.request.Request(f"{oxigraph_server.query_url}?query={q}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as r:
        count = int(json.load(r)["results"]["bindings"][0]["n"]["value"])
    assert count == len(Graph().parse(project / "build" / "graph.ttl"))


def test_publish_to_unreachable_endpoint_is_a_clear_error(project):
    assert run_cli("build", "--project", project)[0] == 0
    status, _, err = run_cli("publish", "--endpoint", f"http://127.0.0.1:{free_port()}/store", "--project", project)
    assert status == 1 and "could not reach" in err and "Traceback" not in err


def test_serve_answers_canned_queries(project):
    assert run_cli("build", "--project", project)[0] == 0
    port = free_port()
    # its own process group, so the Oxigraph server `serve` starts is stopped with it
    proc = subprocess.Popen([sys.executable, "-m", "icsgraph.cli", "serve", "--port", str(port),
                             "--project", str(project)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", 30)
        rows = local_json(project, "services-for-topic", "-p", "topic=loneliness",
                          "--endpoint", f"http://127.0.0.1:{port}/sparql")
        assert rows == local_json(project, "services-for-topic", "-p", "topic=loneliness")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
def test_reason_materialises_the_property_chain(project):
    assert run_cli("build", "--project", project)[0] == 0
    status, out, err = run_cli("reason", "--project", project)
    assert status == 0, err
    g = Graph().parse(project / "build" / "inferred.ttl")
    contributes = URIRef(ICSG + "contributesToOutcome")
    # by hand from the mini fixture: mechanism -> commitment -> priority -> outcome
    assert set(g.subject_objects(contributes)) == {
        (URIRef(NODE + "mechanism/m-kalc-work"), URIRef(NODE + "outcome/SO2")),
        (URIRef(NODE + "mechanism/m-wardens"), URIRef(NODE + "outcome/SO2")),
        (URIRef(NODE + "mechanism/m-libraries"), URIRef(NODE + "outcome/SO2")),
        (URIRef(NODE + "mechanism/m-move"), URIRef(NODE + "outcome/SO3")),
    }
    tracks = set(g.subject_objects(URIRef(ICSG + "tracks")))
    assert (URIRef(NODE + "organisation/hr"), URIRef(NODE + "indicator/I-SO2-1")) in tracks


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
def test_reason_reports_an_inconsistent_graph(project):
    assert run_cli("build", "--project", project)[0] == 0
    path = project / "build" / "graph.ttl"
    g = Graph().parse(path)
    from rdflib.namespace import RDF
    g.add((URIRef(NODE + "commitment/C-SO2-PH-01"), RDF.type, URIRef(ICSG + "Action")))
    g.serialize(path, format="turtle")
    status, _, err = run_cli("reason", "--project", project)
    assert status == 1 and "inconsistent" in err
