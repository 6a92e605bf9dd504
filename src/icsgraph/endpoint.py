"""Triple stores: publish the built graph to any SPARQL 1.1 Graph Store endpoint, and serve
it locally with Oxigraph's own server (it comes with a query page in the browser).

`publish` replaces one named graph with an HTTP PUT (SPARQL 1.1 Graph Store HTTP Protocol),
which Oxigraph (/store), Apache Jena Fuseki (/DATASET/data), GraphDB, Virtuoso and Amazon
Neptune all accept. Canned queries then run remotely with `icsgraph query NAME --endpoint
QUERY-URL --graph IRI`.
"""
from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

DEFAULT_GRAPH_IRI = "https://w3id.org/icsgraph/graph"


class EndpointError(ValueError):
    """The endpoint refused the graph or could not be reached."""


def graph_store_url(endpoint: str, graph_iri: str | None) -> str:
    sep = "&" if "?" in endpoint else "?"
    if graph_iri is None:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}{urllib.parse.urlencode({'graph': graph_iri})}"


def publish(graph_path: Path, endpoint: str, graph_iri: str | None = DEFAULT_GRAPH_IRI,
            timeout: float = 60) -> int:
    """Replace the named graph `graph_iri` on the Graph Store `endpoint` with the built graph.
    Returns the HTTP status."""
    graph_path = Path(graph_path)
    if not graph_path.exists():
        raise EndpointError(f"{graph_path} does not exist: run 'icsgraph build' first")
    request = urllib.request.Request(graph_store_url(endpoint, graph_iri), data=graph_path.read_bytes(),
                                     method="PUT", headers={"Content-Type": "text/turtle; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")[:500]
        raise EndpointError(f"{endpoint} refused the graph: HTTP {e.code} {e.reason}. {body}") from None
    except (urllib.error.URLError, OSError) as e:
        raise EndpointError(f"could not reach {endpoint}: {getattr(e, 'reason', e)}") from None


def oxigraph_command() -> str:
    exe = shutil.which("oxigraph")
    if exe is None:
        raise EndpointError("the 'oxigraph' server is not installed: pip install oxigraph")
    return exe


def load_store(graph_path: Path, store_dir: Path) -> None:
    """A fresh Oxigraph database in store_dir holding the built graph (default graph)."""
    graph_path = Path(graph_path)
    if not graph_path.exists():
        raise EndpointError(f"{graph_path} does not exist: run 'icsgraph build' first")
    if store_dir.exists():
        shutil.rmtree(store_dir)
    subprocess.run([oxigraph_command(), "load", "--location", str(store_dir), "--file", str(graph_path)],
                   check=True, capture_output=True)


def serve_command(store_dir: Path, host: str = "127.0.0.1", port: int = 7878) -> list[str]:
    return [oxigraph_command(), "serve-read-only", "--location", str(store_dir), "--bind", f"{host}:{port}"]
