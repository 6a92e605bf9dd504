"""What the node pages, search and form choices read from the graph.

The only SPARQL written here reads a node's own triples, the names of things and the
choices for a form: none takes text from a request (a node IRI is rebuilt from a path that
`urls.iri_for_path` has checked character by character)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from ..namespaces import ICSG, PREFIXES, TOPIC
from ..queries import QueryError
from .urls import iri_for_path, node_path

NAME_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX icsg: <https://w3id.org/icsgraph/ontology#>
SELECT ?s ?p ?name ?type WHERE {
  ?s rdfs:label|skos:prefLabel|skos:altLabel|skos:hiddenLabel|icsg:code ?name .
  ?s ?p ?name .
  FILTER(?p IN (rdfs:label, skos:prefLabel, skos:altLabel, skos:hiddenLabel, icsg:code))
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/icsgraph/id/") || STRSTARTS(STR(?s), "https://w3id.org/icsgraph/topic/"))
  OPTIONAL { ?s a ?type }
}"""

LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel)
NAME_PREDICATES = {RDFS.label: 0, SKOS.prefLabel: 0, SKOS.altLabel: 1, ICSG.code: 1, SKOS.hiddenLabel: 2}
# facts shown in their own place on a node page, not in the facts list
SHOWN_APART = {RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, ICSG.code, RDF.type,
               ICSG.page, ICSG.line, DCTERMS.source, SKOS.editorialNote, SKOS.inScheme}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


# --- names -------------------------------------------------------------------------------

def names(w) -> dict:
    """{iri: {"label", "names": [(name, rank)], "types": set}} for every node, once."""
    def make():
        out: dict = {}
        for row in w.select(NAME_QUERY):
            s = str(row["s"])
            entry = out.setdefault(s, {"label": None, "names": {}, "types": set(), "code": None})
            name = str(row["name"])
            rank = NAME_PREDICATES.get(row["p"], 2)
            if rank == 0 and (entry["label"] is None or name < entry["label"]):
                entry["label"] = name
            if row["p"] == ICSG.code:
                entry["code"] = name
            entry["names"][name] = min(rank, entry["names"].get(name, 9))
            if "type" in row:
                entry["types"].add(row["type"])
        for s, e in out.items():
            e["label"] = e["label"] or e["code"] or s.rsplit("/", 1)[-1]
        return out
    return w.cached("names", make)


def label_of(w, iri) -> str:
    entry = names(w).get(str(iri))
    return entry["label"] if entry else str(iri).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def kind_label(w, types) -> str:
    """The most specific class of a node in officers' words."""
    ordered = sorted(str(t) for t in types if str(t).startswith(str(ICSG)))
    generic = {str(ICSG.DeliveryMechanism), str(ICSG.Organisation)}
    specific = [t for t in ordered if t not in generic] or ordered
    if specific:
        return w.class_label(specific[0])
    if SKOS.Concept in types or any(str(t) == str(SKOS.Concept) for t in types):
        return "topic"
    return "thing"


def code_index(w) -> dict:
    """{code: iri} for the codes that name exactly one node (SO2, A-PH-11, C-SO2-PH-03)."""
    def make():
        seen: dict = {}
        for iri, e in names(w).items():
            if e["code"]:
                seen.setdefault(e["code"], []).append(iri)
        return {code: iris[0] for code, iris in seen.items() if len(iris) == 1}
    return w.cached("codes", make)


def search(w, q: str, limit: int = 200) -> list[dict]:
    """Nodes with a name (label, alternative or hidden label, code) matching q: exact names
    first, then names starting with it, then names containing it."""
    fq = _fold(q)
    if not fq:
        return []
    hits = []
    for iri, e in names(w).items():
        best = None
        for name, rank in e["names"].items():
            fn = _fold(name)
            if fn == fq:
                score = (0, rank)
            elif fn.startswith(fq):
                score = (1, rank)
            elif fq in fn:
                score = (2, rank)
            else:
                continue
            if best is None or score < best[0]:
                best = (score, name)
        if best:
            hits.append((best[0], e["label"].casefold(), iri, best[1]))
    hits.sort()
    out = []
    for score, _, iri, matched in hits[:limit]:
        e = names(w)[iri]
        out.append({"iri": iri, "label": e["label"], "kind": kind_label(w, e["types"]),
                    "matched": None if matched == e["label"] else matched})
    return out


def search_index_for_page(w, u) -> list:
    """The whole name index as compact JSON for the static site's in-page search."""
    rows = []
    for iri, e in sorted(names(w).items(), key=lambda kv: (kv[1]["label"].casefold(), kv[0])):
        href = u.node(iri)
        if href:
            rows.append([e["label"], kind_label(w, e["types"]), href,
                         sorted(n for n in e["names"] if n != e["label"])])
    return rows


# --- form choices ----------------------------------------------------------------------------

CHOICE_CLASSES = {"mechanism": ICSG.DeliveryMechanism, "outcome": ICSG.SharedOutcome,
                  "directorate": ICSG.Directorate, "indicator": ICSG.Indicator, "action": ICSG.Action,
                  "priority": ICSG.Priority}


def _own_choices(w, kind: str) -> list[dict]:
    if kind == "topic":
        where = f"?s a <{SKOS.Concept}> . FILTER(STRSTARTS(STR(?s), \"{TOPIC}\"))"
    elif kind in CHOICE_CLASSES:
        where = f"?s a/<{RDFS.subClassOf}>* <{CHOICE_CLASSES[kind]}> ."
    else:
        return []
    rows = w.select(f"SELECT DISTINCT ?s WHERE {{ {where} }}")
    out = []
    index = names(w)
    for row in rows:
        e = index.get(str(row["s"]))
        if not e:
            continue
        alts = sorted(n for n, rank in e["names"].items() if rank == 1 and n != e["code"])
        out.append({"iri": str(row["s"]), "label": e["label"], "code": e["code"], "alt_labels": alts})
    return sorted(out, key=lambda c: (c["code"] or "", c["label"].casefold(), c["iri"])
                  if kind in ("outcome", "action", "priority", "indicator") else (c["label"].casefold(), c["iri"]))


def choices(w, kind: str) -> list[dict]:
    """The things a `kind` parameter can name, for forms and the static site: dicts with
    iri, label, code, alt_labels."""
    def make():
        try:
            from ..resolve import choices as resolve_choices  # the answers helper's, once landed
        except ImportError:
            return _own_choices(w, kind)
        return resolve_choices(kind, graph=w.graph, endpoint=w.endpoint, endpoint_graph=w.endpoint_graph)
    return w.cached(("choices", kind), make)


# --- a node's page -------------------------------------------------------------------------

def node_data(w, path: str) -> dict | None:
    iri = iri_for_path(path)
    if iri is None:
        return None
    out = w.select(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    inn = w.select(f"SELECT ?s ?p WHERE {{ ?s ?p <{iri}> }}")
    if not out and not inn:
        return None
    return {"iri": URIRef(iri), "out": [(r["p"], r["o"]) for r in out], "in": [(r["s"], r["p"]) for r in inn]}


def triples_of(data: dict) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    me = data["iri"]
    for p, o in data["out"]:
        g.add((me, p, o))
    for s, p in data["in"]:
        g.add((s, p, me))
    return g


def json_ld(g: Graph) -> str:
    """The triples as JSON-LD (expanded: no @context to fetch), in a fixed order, so the same
    node gives the same bytes every time."""
    import json
    doc = json.loads(g.serialize(format="json-ld"))
    items = doc if isinstance(doc, list) else doc.get("@graph", [doc])

    def order(value):
        if isinstance(value, list):
            return sorted((order(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(value, dict):
            return {k: order(v) for k, v in value.items()}
        return value
    return json.dumps(order(items), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def negotiate(accept: str) -> str | None:
    """'ttl' or 'jsonld' when the Accept header prefers RDF to HTML."""
    best, best_q = None, -1.0
    for part in accept.split(","):
        bits = part.strip().split(";")
        mime = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        fmt = {"text/turtle": "ttl", "application/x-turtle": "ttl", "application/ld+json": "jsonld",
               "text/html": None, "application/xhtml+xml": None}.get(mime, "skip")
        if fmt != "skip" and q > best_q:
            best, best_q = fmt, q
    return best


def _source_lines(w, file: str, line: int, before: int = 1, after: int = 3) -> list[tuple[int, str]]:
    """Lines around `line` of a source text under data/sources/ (nothing outside it)."""
    sources = (w.paths.root / "data" / "sources").resolve()
    path = (w.paths.root / file).resolve()
    if sources not in path.parents or not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start, stop = max(1, line - before), min(len(lines), line + after)
    return [(n, lines[n - 1]) for n in range(start, stop + 1)]


def _literal_text(o) -> str:
    return str(o)


def node_view(w, data: dict, u) -> dict:
    iri = data["iri"]
    types = {o for p, o in data["out"] if p == RDF.type}
    entry = names(w).get(str(iri), {"label": None, "names": {}, "code": None})
    label = entry["label"] or label_of(w, iri)
    facts: dict = {}
    links_out: dict = {}
    notes, sources = [], []
    page = line = None
    for p, o in sorted(data["out"], key=lambda po: (str(po[0]), str(po[1]))):
        if p == ICSG.page:
            page = str(o)
        elif p == ICSG.line:
            line = str(o)
        elif p == SKOS.editorialNote:
            notes.append(str(o))
        elif p == DCTERMS.source:
            sources.append(o)
        elif p in SHOWN_APART:
            continue
        elif isinstance(o, Literal):
            facts.setdefault(w.term_label(p), []).append(_literal_text(o))
        elif isinstance(o, URIRef):
            links_out.setdefault(w.term_label(p), []).append(_link(w, u, o))
    outgoing = {(p, o) for p, o in data["out"]}
    links_in: dict = {}
    for s, p in sorted(data["in"], key=lambda sp: (str(sp[1]), str(sp[0]))):
        if p == RDF.type or any((inv, s) in outgoing for inv in w.inverse_of(p)):
            continue  # the same link is listed from this side already
        links_in.setdefault(w.inverse_label(p), []).append(_link(w, u, s))
    for group in (*links_out.values(), *links_in.values()):
        group.sort(key=lambda l: (l["label"].casefold(), l["href"] or ""))
    source_view = []
    for doc in sources:
        doc_rows = w.select(f"SELECT ?p ?o WHERE {{ <{doc}> ?p ?o }}") if isinstance(doc, URIRef) else []
        doc_facts = {r["p"]: r["o"] for r in doc_rows}
        file = str(doc_facts.get(ICSG.file, "")) or None
        quote = []
        if file and line and line.isdigit():
            quote = _source_lines(w, file, int(line))
        source_view.append({"link": _link(w, u, doc), "file": file, "date": str(doc_facts.get(DCTERMS.date, "")) or None,
                            "quote": quote, "line": int(line) if line and line.isdigit() else None})
    path = node_path(str(iri)) or ""
    kind = path.split("/")[2] if path.startswith("/id/") else "topic"
    alt = sorted(n for n, rank in entry["names"].items() if rank >= 1 and n != entry.get("code"))
    return {"iri": str(iri), "label": label, "kind": kind, "kind_label": kind_label(w, types),
            "code": entry.get("code"), "alt_labels": alt, "facts": facts, "links_out": links_out,
            "links_in": links_in, "sources": source_view, "page_no": page, "line": line, "notes": notes,
            "network": u.network_node(str(iri)) if _in_network(w, str(iri)) else None,
            "alternates": {"ttl": u.node(str(iri), "ttl"), "jsonld": u.node(str(iri), "jsonld")}}


def _link(w, u, iri) -> dict:
    return {"label": label_of(w, iri), "href": u.node(str(iri)), "iri": str(iri)}


# --- the network projection and SPARQL for analysts ------------------------------------------

def rdflib_graph(w) -> Graph:
    """The whole graph as a plain rdflib Graph (the network projection reads it)."""
    def make():
        if not w.endpoint:
            from ..queries import load_graph
            return load_graph(w.graph_path, "rdflib")
        g = Graph()
        for row in w.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"):
            g.add((row["s"], row["p"], row["o"]))
        return g
    return w.cached("rdflib", make)


def projection(w):
    from ..viz import project
    return w.cached("projection", lambda: project(rdflib_graph(w)))


def _in_network(w, iri: str) -> bool:
    path = node_path(iri) or ""
    key = path[len("/id/"):] if path.startswith("/id/") else "topic/" + path[len("/topic/"):]
    return key in projection(w)


# The query forms /sparql answers (the algebra's names), and how the result is shown.
READ_FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "graph", "DescribeQuery": "graph"}
MAX_QUERY = 100_000


class ProxyError(QueryError):
    """The triple store behind the app (--endpoint) could not answer: not the analyst's fault."""


def read_only_form(text: str) -> str:
    """The form of an analyst's query ("select", "ask" or "graph"), checked before it runs, on
    the local graph or the endpoint alike: one SPARQL 1.1 query that only reads. An update
    (INSERT, DELETE, LOAD, CLEAR, DROP ...), a dataset of its own (FROM, FROM NAMED: the app
    answers from its one graph) and a federated SERVICE call (the server would fetch another
    address) are refused, each with its reason (QueryError)."""
    from rdflib.plugins.sparql.algebra import traverse
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    if len(text) > MAX_QUERY:
        raise QueryError("the query is longer than 100,000 characters")
    try:
        parsed = parseQuery(text)
    except Exception as e:  # noqa: BLE001 - pyparsing's errors: the analyst's mistake
        try:
            update = parseUpdate(text)
        except Exception:  # noqa: BLE001
            update = None
        if update is not None and getattr(update, "request", None):
            raise QueryError("this is an update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE or COPY): "
                             "/sparql only reads the graph and changes nothing. Send a SELECT, ASK, CONSTRUCT or "
                             "DESCRIBE query; the graph is changed by editing the tables and rebuilding (or "
                             "'icsgraph publish').") from None
        raise QueryError(f"the query could not be read as SPARQL 1.1: {e}") from None
    query = parsed[1]
    form = READ_FORMS.get(query.name)
    if form is None:
        raise QueryError("/sparql answers SELECT, ASK, CONSTRUCT and DESCRIBE queries only")
    if "datasetClause" in query:
        raise QueryError("the query names graphs with FROM or FROM NAMED: this app answers from its one graph, "
                         "so remove them")
    services = []   # looked for in the parse tree (nested groups and sub-selects included)
    traverse(parsed, visitPre=lambda n: services.append(n) if getattr(n, "name", None) == "ServiceGraphPattern" else None)
    if services:
        raise QueryError("the query calls another SPARQL service (SERVICE): this app answers from its own graph only")
    return form


def sparql_query(w, text: str) -> dict:
    """Run an analyst's SPARQL query (read-only, see `read_only_form`) on the local graph, or,
    when the app serves an endpoint, on the endpoint's named graph (the proxy: `remote_sparql`)."""
    form = read_only_form(text)
    if w.endpoint:
        return remote_sparql(w, text, form)
    try:
        result = w.graph.query(text)
    except Exception as e:  # noqa: BLE001 - a malformed query is the analyst's error
        raise QueryError(f"the query could not be run: {e}") from None
    if result.type == "CONSTRUCT" or result.type == "DESCRIBE":
        return {"kind": "graph", "graph": result.graph, "raw": result}
    if result.type == "ASK":
        return {"kind": "ask", "answer": bool(result.askAnswer), "raw": result}
    return _select(result)


def _select(result) -> dict:
    variables = [str(v) for v in result.vars]
    rows = [[None if v is None else str(v) for v in row] for row in result]
    return {"kind": "select", "vars": variables, "rows": rows[:5000], "more": len(rows) > 5000, "raw": result}


# What the proxy asks the endpoint for, per form
REMOTE_ACCEPT = {"select": "application/sparql-results+json", "ask": "application/sparql-results+json",
                 "graph": "text/turtle"}


def remote_sparql(w, text: str, form: str, accept: str | None = None) -> dict:
    """Send a read-only query to the app's endpoint, reading only its named graph (--graph, by
    default https://w3id.org/icsgraph/graph: the protocol's default-graph-uri, and the same
    graph as the only named graph, so GRAPH ?g sees nothing else). `accept` asks the endpoint
    for that result format; its bytes are returned as they came (`body`) along with the
    parsed result for the HTML page. An endpoint that cannot answer: ProxyError."""
    import io
    import urllib.parse
    import urllib.request

    from rdflib.query import Result

    from ..endpoint import EndpointError, _http, query_graph, shown
    graph = query_graph(w.endpoint_graph)
    fields = [("query", text)] + ([("default-graph-uri", graph), ("named-graph-uri", graph)] if graph else [])
    want = accept or REMOTE_ACCEPT[form]
    request = urllib.request.Request(
        w.endpoint, data=urllib.parse.urlencode(fields).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": want})
    try:
        _, body = _http(request, w.endpoint, "SPARQL endpoint", None)
    except EndpointError as e:
        raise ProxyError(str(e)) from None
    out = {"body": body, "media_type": want}
    if accept and accept != REMOTE_ACCEPT[form]:
        return {**out, "kind": form}
    try:
        if form == "graph":
            g = Graph()
            g.parse(data=body.decode("utf-8"), format="turtle")
            return {**out, "kind": "graph", "graph": g}
        result = Result.parse(io.BytesIO(body), format="json")
    except Exception:  # noqa: BLE001 - whatever the endpoint sent, it was not what was asked for
        raise ProxyError(f"the SPARQL endpoint {shown(w.endpoint)} did not answer with {want}: is it a SPARQL "
                         "query endpoint?") from None
    if form == "ask":
        return {**out, "kind": "ask", "answer": bool(result.askAnswer)}
    return {**out, **_select(result)}
