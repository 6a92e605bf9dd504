"""Triple stores: publish the built graph to any SPARQL 1.1 Graph Store endpoint, run SPARQL
queries on any SPARQL 1.1 query endpoint, and serve the graph locally with Oxigraph's server.

`publish` replaces one named graph with an HTTP PUT (SPARQL 1.1 Graph Store HTTP Protocol),
which Oxigraph (/store), Apache Jena Fuseki (/DATASET/data), GraphDB, Virtuoso
(/sparql-graph-crud, or /sparql-graph-crud-auth with a login) and Amazon Neptune accept.
Queries name that graph as their default graph (the protocol's `default-graph-uri`), so
`publish` and `query`/`gaps`/`viz`/`serve` with `--endpoint` agree on the graph without
`--graph`: both use DEFAULT_GRAPH.

A store that needs a login: the user name and password come only from the environment
variables ICSGRAPH_ENDPOINT_USER and ICSGRAPH_ENDPOINT_PASSWORD (HTTP basic or digest, as the
server asks), never from the command line, and are never printed. ICSGRAPH_ENDPOINT_TIMEOUT
sets how many seconds to wait for an answer (default 60).

Every failure (unreachable server, wrong path, refused login, server error, timeout) is an
`EndpointError`, a `QueryError` whose message is one paragraph saying what to do.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .queries import QueryError

DEFAULT_GRAPH = "https://w3id.org/icsgraph/graph"
DEFAULT_GRAPH_IRI = DEFAULT_GRAPH  # the older name
USER_VAR, PASSWORD_VAR, TIMEOUT_VAR = "ICSGRAPH_ENDPOINT_USER", "ICSGRAPH_ENDPOINT_PASSWORD", "ICSGRAPH_ENDPOINT_TIMEOUT"
DEFAULT_TIMEOUT = 60.0
# `--graph default`: the endpoint's own default graph (e.g. a store loaded without a graph name)
ENDPOINT_DEFAULT = "default"


class EndpointError(QueryError):
    """The endpoint could not be reached, refused the request or failed."""


def default_timeout() -> float:
    value = os.environ.get(TIMEOUT_VAR, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not seconds > 0:
        raise EndpointError(f"{TIMEOUT_VAR} must be a number of seconds greater than 0, not {value!r}.")
    return seconds


def shown(url: str) -> str:
    """The URL as it may be printed: no user name or password in it, no query string."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _check_url(url: str, what: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"the {what} {shown(url) or repr(url)} is not an http:// or https:// address; "
                            f"give the full URL, e.g. http://localhost:7878/query.")
    if parts.username or parts.password:
        raise EndpointError(f"the {what} {shown(url)} has a user name or password written in it: remove it "
                            f"and set the environment variables {USER_VAR} and {PASSWORD_VAR} instead.")


def _opener(url: str) -> urllib.request.OpenerDirector:
    user, password = os.environ.get(USER_VAR), os.environ.get(PASSWORD_VAR)
    handlers = []
    if user or password:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        parts = urllib.parse.urlsplit(url)
        manager.add_password(None, f"{parts.scheme}://{parts.netloc}", user or "", password or "")
        handlers = [urllib.request.HTTPBasicAuthHandler(manager), urllib.request.HTTPDigestAuthHandler(manager)]
    return urllib.request.build_opener(*handlers)


def _server_words(error: urllib.error.HTTPError) -> str:
    try:
        body = error.read(2000).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - the body is only a courtesy
        body = ""
    words = " ".join(body.split())
    if "<" in words and ">" in words:  # an HTML page: its text is enough
        words = " ".join(re.sub(r"<[^>]*>", " ", words).split())
    return words[:300] + ("..." if len(words) > 300 else "")


def _http(request: urllib.request.Request, url: str, what: str, timeout: float | None):
    """Send the request; return (HTTP status, body bytes). Every failure: EndpointError."""
    _check_url(url, what)
    timeout = default_timeout() if timeout is None else timeout
    where = shown(url)
    logged_in = bool(os.environ.get(USER_VAR) or os.environ.get(PASSWORD_VAR))
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        words = _server_words(e)
        said = f" The server said: {words}" if words else ""
        if e.code in (401, 403):
            how = (f"the user name and password in {USER_VAR} and {PASSWORD_VAR} were not accepted, or that "
                   f"user may not do this" if logged_in else
                   f"it needs a login: set the environment variables {USER_VAR} and {PASSWORD_VAR}")
            raise EndpointError(f"the {what} {where} refused the request (HTTP {e.code} {e.reason}): {how}."
                                f"{said}") from None
        if e.code in (404, 405):
            raise EndpointError(f"the {what} {where} does not exist on that server (HTTP {e.code} {e.reason}): "
                                f"check the path. {_PATHS}") from None
        if e.code >= 500:
            raise EndpointError(f"the {what} {where} failed with a server error (HTTP {e.code} {e.reason}); "
                                f"the problem is on the server, try again or ask its administrator.{said}") from None
        raise EndpointError(f"the {what} {where} rejected the request (HTTP {e.code} {e.reason}).{said}") from None
    except (TimeoutError, socket.timeout):
        raise EndpointError(f"the {what} {where} did not answer within {timeout:g} s: the server may be "
                            f"busy or the question too big for it; set {TIMEOUT_VAR} to wait longer.") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise EndpointError(f"the {what} {where} did not answer within {timeout:g} s: the server may be "
                                f"busy or the question too big for it; set {TIMEOUT_VAR} to wait longer.") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise EndpointError(f"could not reach the {what} {where}: {text}. Check the address and that the "
                            f"server is running.") from None
    except (ConnectionError, OSError) as e:  # reset or closed mid-answer
        text = getattr(e, "strerror", None) or e.__class__.__name__
        raise EndpointError(f"could not reach the {what} {where}: {text}. Check the address and that the "
                            f"server is running.") from None


_PATHS = ("Query endpoints are e.g. Oxigraph /query, Fuseki /DATASET/sparql, Virtuoso /sparql; Graph Store "
          "endpoints (for publish) Oxigraph /store, Fuseki /DATASET/data, Virtuoso /sparql-graph-crud or "
          "/sparql-graph-crud-auth.")


def query_graph(graph_iri: str | None) -> str | None:
    """The named graph a query reads: DEFAULT_GRAPH unless told; None for the endpoint's own default graph."""
    if graph_iri is None:
        return DEFAULT_GRAPH
    if graph_iri == ENDPOINT_DEFAULT:
        return None
    return graph_iri


def sparql(endpoint: str, text: str, graph_iri: str | None = None, timeout: float | None = None) -> dict:
    """Run a SPARQL query (SELECT or ASK) on `endpoint`, reading the named graph `graph_iri` as the
    default graph (DEFAULT_GRAPH if None; the endpoint's own default graph for "default").
    Returns the SPARQL JSON results."""
    graph = query_graph(graph_iri)
    form = [("query", text)] + ([("default-graph-uri", graph)] if graph else [])
    request = urllib.request.Request(
        endpoint, data=urllib.parse.urlencode(form).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                 "Accept": "application/sparql-results+json"})
    _, body = _http(request, endpoint, "SPARQL endpoint", timeout)
    try:
        data = json.loads(body.decode("utf-8"))
        if "boolean" not in data:
            data["head"]["vars"], data["results"]["bindings"]  # noqa: B018 - the shape we need
        return data
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise EndpointError(f"the SPARQL endpoint {shown(endpoint)} did not answer with SPARQL results "
                            f"(JSON): is it a SPARQL query endpoint? {_PATHS}") from None


_NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}


def outer_order(text: str) -> list[tuple[str, bool]]:
    """The outermost ORDER BY's leading keys that are plain variables, as (name, descending):
    `ORDER BY DESC(?actions) ?lead` -> [("actions", True), ("lead", False)]. Stops at the
    first key that is an expression."""
    body = re.sub(r"#[^\n]*", "", text)
    tail = body[body.rfind("}") + 1:]
    match = re.search(r"\bORDER\s+BY\b(.*)", tail, flags=re.I | re.S)
    if not match:
        return []
    keys = []
    for token in re.findall(r"(?:ASC|DESC)\s*\([^)]*\)|\?\w+|\S+", match.group(1), flags=re.I):
        m = re.fullmatch(r"(?:(ASC|DESC)\s*\(\s*)?\?(\w+)\s*\)?", token, flags=re.I)
        if not m:
            break
        keys.append((m.group(2), (m.group(1) or "").upper() == "DESC"))
    return keys


def _order_value(cell: dict | None):
    if cell is None:  # unbound sorts first (SPARQL 1.1, 15.1)
        return (0, 0, "")
    if cell.get("datatype") in _NUMERIC:
        try:
            return (1, float(cell["value"]), "")
        except ValueError:
            pass
    return (2, 0, cell.get("value", ""))


def spec_order(text: str, bindings: list[dict], variables: list[str]) -> list[dict]:
    """The rows of a remote answer in the order SPARQL 1.1 gives them: strings compared code
    point by code point. (Virtuoso collates strings its own way: it ignores punctuation and
    spaces, so "Strategy, Strategy" comes before "Strategy Supported".) A stable re-sort on the
    query's own ORDER BY keys, up to the first that is an expression or not in the answer's
    `variables`; rows that tie keep the endpoint's order."""
    keys = []
    for name, descending in outer_order(text):
        if name not in variables:
            break
        keys.append((name, descending))
    if not keys:
        return bindings
    rows = list(bindings)
    for name, descending in reversed(keys):
        rows.sort(key=lambda b: _order_value(b.get(name)), reverse=descending)
    return rows


def graph_is_empty(endpoint: str, graph_iri: str | None = None, timeout: float | None = None) -> bool:
    data = sparql(endpoint, "ASK { ?s ?p ?o }", graph_iri, timeout)
    return not data.get("boolean", True)


def empty_graph_message(endpoint: str, graph_iri: str | None) -> str:
    graph = query_graph(graph_iri)
    which = f"the graph <{graph}>" if graph else "the default graph"
    return (f"{which} on the SPARQL endpoint {shown(endpoint)} holds nothing, so there is no answer to give. "
            f"Publish the graph first (icsgraph publish --endpoint GRAPH-STORE-URL"
            + (f" --graph {graph}" if graph and graph != DEFAULT_GRAPH else "") +
            "), or name the graph it was published to with --graph IRI.")


def graph_store_url(endpoint: str, graph_iri: str | None) -> str:
    sep = "&" if "?" in endpoint else "?"
    if graph_iri is None or graph_iri == ENDPOINT_DEFAULT:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}{urllib.parse.urlencode({'graph': graph_iri})}"


def publish(graph_path: Path, endpoint: str, graph_iri: str | None = DEFAULT_GRAPH,
            timeout: float | None = None) -> int:
    """Replace the named graph `graph_iri` on the Graph Store `endpoint` with the built graph.
    Returns the HTTP status."""
    graph_path = Path(graph_path)
    if not graph_path.exists():
        raise EndpointError(f"{graph_path} does not exist: run 'icsgraph build' first")
    url = graph_store_url(endpoint, graph_iri if graph_iri is not None else DEFAULT_GRAPH)
    _check_url(endpoint, "Graph Store endpoint")
    request = urllib.request.Request(url, data=graph_path.read_bytes(), method="PUT",
                                     headers={"Content-Type": "text/turtle; charset=utf-8"})
    status, _ = _http(request, endpoint, "Graph Store endpoint", timeout)
    return status


def oxigraph_command() -> str:
    exe = shutil.which("oxigraph")
    if exe is None:
        raise EndpointError("the 'oxigraph' server is not installed: pip install oxigraph")
    return exe


def load_store(graph_path: Path, store_dir: Path, graph_iri: str = DEFAULT_GRAPH) -> None:
    """A fresh Oxigraph database in store_dir holding the built graph as the named graph
    `graph_iri` (DEFAULT_GRAPH: where `query --endpoint` looks without --graph)."""
    graph_path = Path(graph_path)
    if not graph_path.exists():
        raise EndpointError(f"{graph_path} does not exist: run 'icsgraph build' first")
    if store_dir.exists():
        shutil.rmtree(store_dir)
    subprocess.run([oxigraph_command(), "load", "--location", str(store_dir), "--file", str(graph_path),
                    "--graph", graph_iri], check=True, capture_output=True)


def serve_command(store_dir: Path, host: str = "127.0.0.1", port: int = 7878) -> list[str]:
    # --union-default-graph: its query page, with no graph named, sees the published graph too
    return [oxigraph_command(), "serve-read-only", "--location", str(store_dir), "--bind", f"{host}:{port}",
            "--union-default-graph"]
