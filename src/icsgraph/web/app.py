"""The officers' web app: one object (`WebApp`) owns the graph (or the remote endpoint), the
query catalogue, the templates, the renderers and the URL builder; `make_app` wraps it in a
Starlette application whose routes only delegate to `views`.

    make_app(Paths())                                   # over build/graph.ttl
    make_app(Paths(), endpoint=URL, endpoint_graph=IRI) # over an organisation's triple store
    make_app(Paths(), static=True)                      # links for the static export

Every answer comes from `queries.run_query` (so `--endpoint` works for every page) and the
gap report from `gaps.gap_report`; the node pages, search and form choices read the graph
through `WebApp.select`, the one place that runs a SPARQL SELECT locally or remotely.
"""
from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..project import Paths
from ..queries import QueryError, get_query, list_queries, load_graph, run_query
from .urls import URLs

# Which class a `kind` parameter names (contract in COORD.md), for the form choices.
KIND_CLASSES = {
    "topic": None,  # the SKOS topic scheme
    "mechanism": "DeliveryMechanism",
    "outcome": "SharedOutcome",
    "directorate": "Directorate",
    "indicator": "Indicator",
    "action": "Action",
    "priority": "Priority",
}


def param_kind(param) -> str | None:
    """The kind of node a query parameter names (its `kind:` line; until every query has
    one, a parameter named after a kind is taken to name one)."""
    kind = getattr(param, "kind", None)
    if kind:
        return kind
    return param.name if param.name in KIND_CLASSES else None


def query_columns(q, rows: list[dict]) -> list[str]:
    """The variables a query's answer shows, in order (the `columns:` metadata when the query
    has it, else the SELECT order)."""
    declared = getattr(q, "columns", None)
    if declared:
        return list(declared)
    if rows:
        return list(rows[0].keys())
    return q.variables


def column_titles(q, columns: list[str]) -> dict[str, str]:
    declared = getattr(q, "columns", None) or {}
    return {c: declared.get(c) or c.replace("_", " ") for c in columns}


def _plain(term):
    """xsd:string literals as rdflib writes them (RDF 1.1: the same literal), so a node's
    triples read from Oxigraph equal the ones parsed from the Turtle."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


class WebApp:
    """What every view needs: paths, where the graph is, the catalogue, templates."""

    def __init__(self, paths: Paths | None = None, *, endpoint: str | None = None,
                 endpoint_graph: str | None = None, static: bool = False, graph: Graph | None = None,
                 graph_path: Path | None = None):
        self.paths = paths or Paths()
        self.graph_path = Path(graph_path) if graph_path else self.paths.graph
        self.endpoint = endpoint
        self.endpoint_graph = endpoint_graph
        self.static = static
        self._graph = graph
        self._lock = threading.RLock()
        self._cache: dict = {}
        from .render import Renderer
        self.renderer = Renderer(self)

    # -- the graph -------------------------------------------------------------------
    @property
    def graph(self) -> Graph | None:
        """The local graph (Oxigraph-backed), None when serving a remote endpoint."""
        if self.endpoint:
            return None
        if self._graph is None:
            self._graph = load_graph(self.graph_path, "oxigraph")
        return self._graph

    def urls(self, current: str = "/", params: dict | None = None) -> URLs:
        return URLs(current, self.static, params)

    def queries(self):
        return list_queries(self.paths.queries)

    def query(self, name: str):
        return get_query(name, self.paths.queries)

    def run(self, name: str, params: dict) -> list[dict]:
        """A canned query's rows, through the one entry point (local or remote). The static
        export asks for the same answer as a page, JSON, CSV and Markdown: it runs once."""
        if self.static:
            key = ("rows", name, tuple(sorted(params.items())))
            return self.cached(key, lambda: run_query(
                name, graph=self.graph, endpoint=self.endpoint, endpoint_graph=self.endpoint_graph,
                queries_dir=self.paths.queries, **params))
        return run_query(name, graph=self.graph, endpoint=self.endpoint, endpoint_graph=self.endpoint_graph,
                         queries_dir=self.paths.queries, **params)

    def select(self, text: str) -> list[dict]:
        """Rows of a SPARQL SELECT as dicts of rdflib terms, on the local graph or the endpoint.
        Only for the node pages, search and choices, whose queries take no user text."""
        if not self.endpoint:
            result = self.graph.query(text)
            names = [str(v) for v in result.vars]
            return [{n: _plain(row[i]) for i, n in enumerate(names) if row[i] is not None} for row in result]
        from ..endpoint import EndpointError, sparql
        try:
            data = sparql(self.endpoint, text, self.endpoint_graph)
        except EndpointError as e:
            raise QueryError(str(e)) from None
        rows = []
        for b in data["results"]["bindings"]:
            row = {}
            for k, cell in b.items():
                if cell["type"] == "uri":
                    row[k] = URIRef(cell["value"])
                elif cell["type"] == "bnode":
                    row[k] = BNode(cell["value"])
                else:
                    row[k] = _plain(Literal(cell["value"], lang=cell.get("xml:lang"),
                                            datatype=cell.get("datatype")))
            rows.append(row)
        return rows

    def cached(self, key, make):
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    # -- the ontology's words ----------------------------------------------------------
    @cached_property
    def ontology(self) -> Graph:
        g = Graph()
        path = self.paths.ontology / "icsgraph.ttl"
        if path.exists():
            g.parse(path)
        for extra in ("status.ttl",):
            if (self.paths.ontology / extra).exists():
                g.parse(self.paths.ontology / extra)
        return g

    def term_label(self, iri) -> str:
        """An ontology term in officers' words (its rdfs:label), else its local name."""
        for o in self.ontology.objects(URIRef(iri), RDFS.label):
            return str(o)
        s = str(iri)
        return s.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def inverse_label(self, prop) -> str:
        """How to read a link from the other end: the owl:inverseOf property's label when the
        ontology has one, else "is … of"."""
        prop = URIRef(prop)
        for inv in (*self.ontology.objects(prop, OWL.inverseOf), *self.ontology.subjects(OWL.inverseOf, prop)):
            if (inv, RDFS.label, None) in self.ontology:
                return self.term_label(inv)
        label = self.term_label(prop)
        if label.endswith(" of"):
            label = label[:-3]
        return f"is {label} of"

    def inverse_of(self, prop) -> set:
        prop = URIRef(prop)
        return {*self.ontology.objects(prop, OWL.inverseOf), *self.ontology.subjects(OWL.inverseOf, prop)}

    def class_label(self, iri) -> str:
        return self.term_label(iri)

    @property
    def is_type(self):
        return RDF.type


def make_app(paths: Paths | None = None, *, endpoint: str | None = None, endpoint_graph: str | None = None,
             static: bool = False, graph: Graph | None = None, graph_path: Path | None = None):
    """The Starlette application for the web app (or, with static=True, for the export)."""
    from starlette.applications import Starlette
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from . import views

    web = WebApp(paths, endpoint=endpoint, endpoint_graph=endpoint_graph, static=static, graph=graph,
                 graph_path=graph_path)
    static_dir = Path(__file__).parent / "static"
    routes = [
        Route("/", views.home, name="home"),
        Route("/queries/", views.questions, name="questions"),
        Route("/queries", views.redirect_slash),
        Route("/queries/{name}", views.query_page, name="query"),
        Route("/api/", views.api_docs, name="api_docs"),
        Route("/api/queries", views.api_catalogue, name="api_catalogue"),
        Route("/api/openapi.json", views.openapi, name="openapi"),
        Route("/api/queries/{name}", views.api_query, name="api_query"),
        Route("/id/{kind}/{ident}", views.node_page, name="node"),
        Route("/topic/{ident}", views.topic_page, name="topic"),
        Route("/search", views.search, name="search"),
        Route("/gaps", views.gaps_page, name="gaps"),
        Route("/gaps.{fmt}", views.gaps_page, name="gaps_download"),
        Route("/network", views.network, name="network"),
        Route("/network/{kind}/{ident}", views.network_node, name="network_node"),
        Route("/sparql", views.sparql, methods=["GET", "POST"], name="sparql"),
        Mount("/static", app=StaticFiles(directory=static_dir), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers=views.EXCEPTION_HANDLERS)
    app.state.web = web
    return app
