"""The shared server fixtures (tests/servers.py) really serve SPARQL and the Graph Store
protocol, and Virtuoso's authenticated Graph Store refuses a wrong password."""
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from servers import unique_graph

TRIPLE = b'<https://example.org/s> <https://example.org/p> "o \\u00e9" .\n'


def put(url, graph, opener=urllib.request.urlopen):
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"graph": graph}), data=TRIPLE,
                                     method="PUT", headers={"Content-Type": "text/turtle"})
    with opener(request, timeout=30) as r:
        return r.status


def objects(query_url, graph):
    q = urllib.parse.quote(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    request = urllib.request.Request(f"{query_url}?query={q}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return [b["o"]["value"] for b in json.load(r)["results"]["bindings"]]


@pytest.mark.parametrize("name", ["oxigraph_server", "virtuoso_server"])
def test_graph_store_put_then_query(name, request):
    server = request.getfixturevalue(name)
    graph = unique_graph("servers")
    assert objects(server.query_url, graph) == []
    assert put(server.store_url, graph) in (200, 201, 204)
    assert objects(server.query_url, graph) == ["o \u00e9"]


def digest_opener(server, password):
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, server.base, server.user, password)
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(manager)).open


def test_virtuoso_authenticated_graph_store(virtuoso_server):
    graph = unique_graph("auth")
    with pytest.raises(urllib.error.HTTPError) as refused:
        put(virtuoso_server.auth_store_url, graph, digest_opener(virtuoso_server, "not-the-password"))
    assert refused.value.code == 401
    assert objects(virtuoso_server.query_url, graph) == []
    assert put(virtuoso_server.auth_store_url, graph,
               digest_opener(virtuoso_server, virtuoso_server.password)) in (200, 201, 204)
    assert objects(virtuoso_server.query_url, graph) == ["o \u00e9"]
