"""Canned queries: one SPARQL file per question under queries/, metadata in `#+` lines.

A query file starts with grlc-style decorators, for example::

    #+ summary: Services and plans that help with a topic
    #+ description: >
    #+   Plans, services and actions that ... (officers' words: what it answers, the rule)
    #+ tags: [topic, services]
    #+ params:
    #+   topic:
    #+     description: a health topic, by its name or another name
    #+     kind: topic          # names a node: resolved to its IRI before the query runs
    #+     example: loneliness
    #+ columns:                 # variable -> plain-word column title, in output order
    #+   mechanism: Plan or service
    #+   directorate: Directorate

A parameter with a `kind` names something in the graph (topic, mechanism, outcome,
directorate, indicator, action, priority): `icsgraph.resolve` finds the node by name, other
name, code or an unambiguous part of a name, and the query gets the node's IRI bound to
`?_name`, never the text; a name that does not resolve raises `NameNotFound` with the
closest names.

Parameters are BASIL-named variables (`?_topic`). Their values are *bound*, never pasted
into the query text: on the embedded engine as SPARQL substitutions on the pyoxigraph store,
on rdflib's own engine as initBindings, remotely as a VALUES block of escaped RDF terms.
"""
from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .project import Paths


class QueryError(ValueError):
    """An unknown query, a missing or bad parameter, or a failing endpoint."""


KINDS = ("topic", "mechanism", "outcome", "directorate", "indicator", "action", "priority")


@dataclass
class Param:
    name: str
    description: str = ""
    type: str = "string"      # string | date | integer | period (a quarter: 2025-Q4)
    example: str | None = None
    default: str | None = None
    kind: str | None = None   # names a node of this kind (see KINDS): resolved to its IRI

    def to_term(self, value: str) -> Literal:
        if self.type == "date":
            try:
                return Literal(_dt.date.fromisoformat(value), datatype=XSD.date)
            except ValueError:
                raise QueryError(f"parameter '{self.name}' must be a date written YYYY-MM-DD, not {value!r}") from None
        if self.type == "period":
            if not re.fullmatch(r"\d{4}-Q[1-4]", value):
                raise QueryError(f"parameter '{self.name}' must be a quarter written like 2025-Q4, not {value!r}")
            return Literal(value)
        if self.type == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise QueryError(f"parameter '{self.name}' must be a whole number, not {value!r}")
            return Literal(int(value), datatype=XSD.integer)
        return Literal(value)


@dataclass
class CannedQuery:
    name: str
    path: Path
    summary: str
    description: str
    tags: list[str]
    params: list[Param]
    text: str  # SPARQL without the #+ lines
    extra: dict = field(default_factory=dict)
    declared_columns: dict = field(default_factory=dict)  # the #+ columns: block as written
    lists: list = field(default_factory=list)  # variables whose cells list several values

    @functools.cached_property
    def variables(self) -> list[str]:
        """Every variable the query answers with (JSON keys), `_iri` companions included."""
        head = re.split(r"\bWHERE\b", self.text, maxsplit=1, flags=re.I)[0].split("SELECT", 1)[-1]
        head = re.sub(r"#[^\n]*", "", head)
        names, depth, i = [], 0, 0
        while i < len(head):   # bare variables, and the `AS ?name` of each (expression AS ?name)
            ch = head[i]
            if ch in "\"'":
                j = head.find(ch, i + 1)
                i = (j if j != -1 else len(head)) + 1
                continue
            depth += {"(": 1, ")": -1}.get(ch, 0)
            m = re.match(r"\?([A-Za-z_][A-Za-z0-9_]*)", head[i:]) if ch == "?" else None
            if m:
                before = head[:i].rstrip()
                if depth == 0 or re.search(r"\bAS$", before, flags=re.I):
                    names.append(m.group(1))
                i += m.end()
                continue
            i += 1
        return [n for n in dict.fromkeys(names) if not n.startswith("_")]

    @property
    def columns(self) -> dict[str, str]:
        """The columns of a table, CSV or Markdown answer, in order: {variable: title}.
        From the `#+ columns:` block; without one, every variable except `_iri` companions,
        titled in plain words from its name."""
        if self.declared_columns:
            return dict(self.declared_columns)
        return {v: plain_title(v) for v in self.variables if not v.endswith("_iri")}

    def bindings(self, values: dict[str, str], *, graph=None, endpoint: str | None = None,
                 endpoint_graph: str | None = None) -> dict:
        """The parameter values as RDF terms keyed `_name`. A parameter with a `kind` is
        resolved to its node's IRI on `graph` (or the endpoint); without either, it is an error."""
        known = {p.name: p for p in self.params}
        for key in values:
            if key not in known:
                allowed = ", ".join(known) or "none"
                raise QueryError(f"query '{self.name}' has no parameter '{key}' (parameters: {allowed})")
        out = {}
        for p in self.params:
            value = values.get(p.name, p.default)
            if value is None:
                raise QueryError(f"query '{self.name}' needs --param {p.name}=VALUE ({p.description})")
            if p.kind and value == "" and p.default == "":
                out["_" + p.name] = Literal("")  # an optional name left empty: "every ..."
                continue
            if p.kind:
                if graph is None and not endpoint:
                    raise QueryError(f"parameter '{p.name}' names a {p.kind}: it needs a graph or an "
                                     "endpoint to be looked up in")
                from .resolve import resolve
                out["_" + p.name] = resolve(p.kind, str(value), graph=graph, endpoint=endpoint,
                                            endpoint_graph=endpoint_graph)
            else:
                out["_" + p.name] = p.to_term(value)
        return out


def plain_title(variable: str) -> str:
    """A variable name as a column title: `via_code` -> "Via code"."""
    words = variable.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# libyaml's loader where PyYAML was built with it: the pure-Python one is 8 ms a query file
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PARSED: dict = {}


def parse_query_file(path: Path) -> CannedQuery:
    """A query file's metadata and SPARQL, read once per version of the file."""
    path = Path(path)
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _PARSED:
        _PARSED[key] = _parse_query_file(path)
    return _PARSED[key]


def _parse_query_file(path: Path) -> CannedQuery:
    meta_lines, body = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#+"):
            meta_lines.append(line[2:])
        else:
            body.append(line)
    try:
        meta = yaml.load("\n".join(meta_lines), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as e:
        raise QueryError(f"{path}: the #+ metadata lines are not valid YAML: {e}") from None
    if not isinstance(meta, dict):
        raise QueryError(f"{path}: the #+ metadata lines must be 'key: value' lines")
    params = []
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        kind = spec.get("kind")
        if kind is not None and kind not in KINDS:
            raise QueryError(f"{path}: parameter '{name}' has kind '{kind}': it must be one of {', '.join(KINDS)}")
        ptype = spec.get("type", "string")
        if ptype not in ("string", "date", "integer", "period"):
            raise QueryError(f"{path}: parameter '{name}' has type '{ptype}': it must be string, date, integer or period")
        params.append(Param(name, str(spec.get("description", "")), ptype,
                            None if spec.get("example") is None else str(spec["example"]),
                            None if spec.get("default") is None else str(spec["default"]), kind))
    columns = meta.get("columns") or {}
    if not isinstance(columns, dict):
        raise QueryError(f"{path}: '#+ columns:' must map each variable to a column title")
    columns = {str(k): str(v) for k, v in columns.items()}
    lists = meta.get("lists") or []
    if not isinstance(lists, list):
        raise QueryError(f"{path}: '#+ lists:' must be a list of variables, e.g. [via, outcome]")
    known = {"summary", "description", "tags", "params", "columns", "lists"}
    query = CannedQuery(path.stem, path, str(meta.get("summary", path.stem)),
                        " ".join(str(meta.get("description", "")).split()),
                        list(meta.get("tags") or []), params, "\n".join(body).strip() + "\n",
                        {k: v for k, v in meta.items() if k not in known}, columns, [str(v) for v in lists])
    unknown = [c for c in [*columns, *query.lists] if c not in query.variables]
    if unknown:
        raise QueryError(f"{path}: '#+ columns:' or '#+ lists:' name {', '.join(unknown)}, which the query does not select")
    return query


def list_queries(queries_dir: Path | None = None) -> list[CannedQuery]:
    folder = Path(queries_dir or Paths().queries)
    return [parse_query_file(p) for p in sorted(folder.glob("*.rq"))]


def get_query(name: str, queries_dir: Path | None = None) -> CannedQuery:
    folder = Path(queries_dir or Paths().queries)
    path = folder / f"{name}.rq"
    if not re.fullmatch(r"[a-z0-9-]+", name) or not path.exists():
        names = ", ".join(q.name for q in list_queries(folder))
        raise QueryError(f"there is no canned query '{name}'. Known queries: {names}")
    return parse_query_file(path)


# --- engines -------------------------------------------------------------------------

_GRAPH_CACHE: dict = {}


def load_graph(path: Path, engine: str = "oxigraph") -> Graph:
    """The built graph as an rdflib Graph: stored in Oxigraph (fast; canned queries run straight
    on its pyoxigraph Store, see `run_on_graph`) or in rdflib's own memory store."""
    path = Path(path)
    if not path.exists():
        raise QueryError(f"{path} does not exist: run 'icsgraph build' first")
    key = (str(path.resolve()), path.stat().st_mtime_ns, engine)
    if key not in _GRAPH_CACHE:
        if engine == "oxigraph":
            # oxrdflib wraps a store pyoxigraph has loaded itself: naming the plug-ins
            # ("Oxigraph", "ox-turtle") makes rdflib scan every installed package's entry points.
            # (load, not bulk_load: in memory it is faster and smaller, 6.5 s and 450 MiB against
            # 8.2 s and 590 MiB for 1.2 million triples.)
            from oxrdflib import OxigraphStore
            store = load_store(path)
            g = Graph(store=OxigraphStore(store=store), identifier=URIRef(EMBEDDED_GRAPH))
        elif engine == "rdflib":
            g = Graph()
            g.parse(path, format="turtle")
        else:
            raise QueryError(f"unknown engine '{engine}' (oxigraph or rdflib)")
        _GRAPH_CACHE.clear()
        _GRAPH_CACHE[key] = g
    return _GRAPH_CACHE[key]


# The named graph the embedded store holds the built graph in (the graph `publish` writes to).
EMBEDDED_GRAPH = "https://w3id.org/icsgraph/graph"
_STORE_CACHE: dict = {}


def load_store(path: Path):
    """The built graph in an in-memory pyoxigraph Store (named graph EMBEDDED_GRAPH), loaded once
    per file version. What `icsgraph query` uses: no rdflib SPARQL machinery is imported."""
    path = Path(path)
    if not path.exists():
        raise QueryError(f"{path} does not exist: run 'icsgraph build' first")
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    if key not in _STORE_CACHE:
        store = _loaded(ox.Store(), path)
        _STORE_CACHE.clear()
        _STORE_CACHE[key] = store
    return _STORE_CACHE[key]


def _loaded(store, path: Path):
    """`store` with the Turtle file at `path` read into its named graph EMBEDDED_GRAPH."""
    store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EMBEDDED_GRAPH))
    return store


def store_folder(graph_path: Path) -> Path:
    """Where `save_store` keeps the graph file's store on disk: build/graph.oxigraph/."""
    graph_path = Path(graph_path)
    return graph_path.with_name(graph_path.stem + ".oxigraph")


def _fingerprint(graph_path: Path) -> str:
    import hashlib
    return hashlib.sha256(Path(graph_path).read_bytes()).hexdigest()


def save_store(graph_path: Path) -> Path:
    """Keep the graph file as an Oxigraph store on disk beside it (build/graph.oxigraph/), marked
    with the file's SHA-256, so that `icsgraph query` opens it instead of parsing the Turtle
    again. Written to a temporary folder and then swapped in: a reader never sees half a store."""
    import os
    import shutil
    graph_path = Path(graph_path)
    folder = store_folder(graph_path)
    fresh = folder.with_name(f"{folder.name}.new-{os.getpid()}")
    stale = folder.with_name(f"{folder.name}.old-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    store = _loaded(ox.Store(str(fresh)), graph_path)
    store.flush()
    del store  # closes the database
    (fresh / "SOURCE-SHA256").write_text(_fingerprint(graph_path) + "\n")
    if folder.exists():
        folder.rename(stale)
    fresh.rename(folder)
    shutil.rmtree(stale, ignore_errors=True)
    return folder


def open_store(graph_path: Path):
    """The graph file's store: the one `save_store` kept on disk if it was made from this very
    file (opened read-only: several commands can read it at once), else `load_store`."""
    folder = store_folder(graph_path)
    mark = folder / "SOURCE-SHA256"
    if mark.exists() and Path(graph_path).exists() and mark.read_text().strip() == _fingerprint(graph_path):
        try:
            return ox.Store.read_only(str(folder))
        except OSError:
            pass  # a damaged copy: read the file itself
    return load_store(graph_path)


def _embedded(graph):
    """(pyoxigraph Store, the graph's name in it) for a Store or an rdflib Graph kept in
    Oxigraph (oxrdflib); (None, None) for a graph in rdflib's own store."""
    if isinstance(graph, ox.Store):
        return graph, ox.NamedNode(EMBEDDED_GRAPH)
    store = getattr(getattr(graph, "store", None), "_inner", None)
    if not isinstance(store, ox.Store):
        return None, None
    name = str(graph.identifier)
    return store, ox.NamedNode(name) if isinstance(graph.identifier, URIRef) else ox.BlankNode(name)


def _ox_term(term):
    """An rdflib term (a bound parameter) as a pyoxigraph one."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise QueryError(f"cannot bind {term!r}")


def _iri_cell(var: str, iri: str) -> str:
    """An IRI in an answer: its last segment (a code or id), except in `_iri` columns."""
    return iri if var.endswith("_iri") else iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _cell(var: str, value) -> str | None:
    """An rdflib term in an answer as text."""
    if value is None:
        return None
    return _iri_cell(var, str(value)) if isinstance(value, URIRef) else str(value)


def _ox_cell(var: str, value) -> str | None:
    """A pyoxigraph term in an answer as text, as `_cell` gives an rdflib one."""
    if value is None:
        return None
    return _iri_cell(var, value.value) if isinstance(value, ox.NamedNode) else value.value


LIST_SEPARATOR = "||"   # what a query's GROUP_CONCAT writes between the values of a list
_NUMBERS = re.compile(r"(\d+)")
_PAGE = re.compile(r"^(.*) p\. (\d+)$")


def _natural(text: str):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in _NUMBERS.split(text) if p] + [(2, 0, text)]


def join_list(cell: str | None) -> str:
    """A list cell as officers read it: the values a query joined with `||`, blanks and
    repeats dropped (Virtuoso writes an unbound value as a blank), in natural order (p. 9
    before p. 10), joined with "; "; pages of one document run together ('Delivery plan
    pp. 14, 64')."""
    values = sorted({v.strip() for v in (cell or "").split(LIST_SEPARATOR)} - {""}, key=_natural)
    out: list[str] = []
    for v in values:
        m = _PAGE.match(v)
        prev = _PAGE.match(out[-1].replace(" pp. ", " p. ").split(",")[0]) if out else None
        if m and prev and prev.group(1) == m.group(1):
            out[-1] = out[-1].replace(" p. ", " pp. ", 1) + ", " + m.group(2)
        else:
            out.append(v)
    return "; ".join(out)


def tidy(query: CannedQuery, rows: list[dict]) -> list[dict]:
    """Rows as every engine should give them: list cells joined by `join_list`."""
    if query.lists:
        for r in rows:
            for v in query.lists:
                if v in r:
                    r[v] = join_list(r[v])
    return rows


def run_on_graph(query: CannedQuery, graph, params: dict[str, str] | None = None) -> list[dict]:
    """The query on a local graph: straight on the pyoxigraph Store for the embedded engine (a
    Store from `load_store`, or an rdflib Graph kept in Oxigraph), through rdflib's own SPARQL
    engine otherwise. Parameters are bound as terms (SPARQL substitutions / initBindings)."""
    bindings = query.bindings(params or {}, graph=graph)
    store, name = _embedded(graph)
    if store is not None:
        try:
            result = store.query(query.text, default_graph=name,
                                 substitutions={ox.Variable(k): _ox_term(v) for k, v in bindings.items()})
        except SyntaxError as e:
            raise QueryError(f"query '{query.name}' is not valid SPARQL: {e}") from None
        variables = [v.value for v in result.variables]
        keep = [(i, v) for i, v in enumerate(variables) if not v.startswith("_")]
        return tidy(query, [{v: _ox_cell(v, row[i]) for i, v in keep} for row in result])
    result = graph.query(query.text, initBindings=bindings)
    variables = [str(v) for v in result.vars]
    return tidy(query, [{v: _cell(v, row[i]) for i, v in enumerate(variables) if not v.startswith("_")}
                        for row in result])


IRI_REF = re.compile(r"<[^<>\"{}|^`\\\s]*>")


def with_values_block(text: str, bindings: dict[str, Literal]) -> str:
    """The query with a VALUES block of escaped terms (rdflib's n3()) at the start of every
    group that uses a parameter: the safe way to bind parameters on a remote endpoint.
    (A single block at the top would not reach a FILTER inside a nested group, because
    SPARQL evaluates groups from the inside out.)"""
    if not bindings:
        return text
    names = sorted(bindings)
    block = "VALUES (" + " ".join("?" + n for n in names) + ") { (" + \
        " ".join(bindings[n].n3() for n in names) + ") }"
    opens, groups = [], set()
    uses = re.compile(r"\?(?:" + "|".join(re.escape(n) for n in names) + r")\b")
    where = re.search(r"\bWHERE\s*\{", text, flags=re.I)
    if not where:
        raise QueryError("query has no WHERE { ... } group to bind parameters in")
    i = where.end() - 1
    while i < len(text):
        ch = text[i]
        iri = IRI_REF.match(text, i) if ch == "<" else None
        if iri:  # an IRI, not a less-than sign
            i = iri.end()
            continue
        if ch in "\"'#":  # skip strings and comments: their braces are not groups
            close = {"\"": "\"", "'": "'", "#": "\n"}[ch]
            j = text.find(close, i + 1)
            while ch != "#" and j != -1 and text[j - 1] == "\\":
                j = text.find(close, j + 1)
            i = (j if j != -1 else len(text)) + 1
            continue
        if ch == "{":
            opens.append(i)
        elif ch == "}":
            if opens:
                opens.pop()
        elif ch == "?" and opens and uses.match(text, i):
            groups.add(opens[-1])
        i += 1
    if not groups:
        groups.add(where.end() - 1)
    out = text
    for pos in sorted(groups, reverse=True):
        out = out[:pos + 1] + " " + block + " " + out[pos + 1:]
    return out


def run_on_endpoint(query: CannedQuery, endpoint: str, params: dict[str, str] | None = None,
                    graph_iri: str | None = None, timeout: float | None = None) -> list[dict]:
    """The query on a remote SPARQL 1.1 endpoint, reading the named graph `graph_iri`
    (endpoint.DEFAULT_GRAPH, where `publish` puts it, unless told). Parameters go in as a
    VALUES block of escaped terms. No rows from a graph that holds nothing: EndpointError."""
    from .endpoint import EndpointError, empty_graph_message, graph_is_empty, spec_order, sparql
    text = with_values_block(query.text, query.bindings(params or {}, endpoint=endpoint, endpoint_graph=graph_iri))
    data = sparql(endpoint, text, graph_iri, timeout)
    if "boolean" in data:
        raise EndpointError(f"the SPARQL endpoint answered query '{query.name}' with yes/no, not a table")
    variables = [v for v in data["head"]["vars"] if not v.startswith("_")]
    rows = []
    for b in spec_order(query.text, data["results"]["bindings"], data["head"]["vars"]):
        row = {}
        for v in variables:
            cell = b.get(v)
            if cell is None:
                row[v] = None
            elif cell.get("type") == "uri":
                row[v] = _iri_cell(v, cell["value"])
            else:
                row[v] = cell.get("value")
        rows.append(row)
    if not rows and graph_is_empty(endpoint, graph_iri, timeout):
        raise EndpointError(empty_graph_message(endpoint, graph_iri))
    return tidy(query, rows)


def run_query(name: str, *, graph: Graph | None = None, graph_path: Path | None = None,
              endpoint: str | None = None, endpoint_graph: str | None = None, engine: str = "oxigraph",
              queries_dir: Path | None = None, **params) -> list[dict]:
    """Run a canned query and return its rows as dicts of strings, e.g.
    `run_query("services-for-topic", topic="loneliness")`."""
    query = get_query(name, queries_dir)
    params = {k: str(v) for k, v in params.items()}
    if endpoint:
        return run_on_endpoint(query, endpoint, params, endpoint_graph)
    if graph is None:
        path = graph_path or Paths().graph
        graph = open_store(path) if engine == "oxigraph" else load_graph(path, engine)
    return run_on_graph(query, graph, params)


# --- output formats --------------------------------------------------------------------

FORMATS = ("table", "csv", "json", "md")
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns_of(rows: list[dict], query: CannedQuery | None = None) -> list[str]:
    """The variables a table, CSV or Markdown answer shows, in order: the query's columns
    (without a query: the rows' keys)."""
    if query is not None:
        return list(query.columns)
    return list(rows[0].keys()) if rows else []


def _titles(columns, titles) -> list[str]:
    if titles is None:
        return list(columns)
    if isinstance(titles, dict):
        return [titles.get(c, plain_title(c)) for c in columns]
    titles = list(titles)
    if len(titles) != len(columns):
        raise ValueError(f"{len(titles)} titles for {len(columns)} columns")
    return titles


def safe_cell(value) -> str:
    """A cell as text a spreadsheet will not run: one that starts with =, +, -, @, a tab or
    a carriage return gets a leading apostrophe (OWASP's advice against CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(rows, columns, titles=None) -> str:
    """THE CSV writer: UTF-8 text starting with a byte-order mark (so Excel opened by
    double-click reads it as UTF-8), a header row of `titles` (a {variable: title} dict or a
    list; default the variable names), formula-like cells neutralised by `safe_cell`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([safe_cell(t) for t in _titles(columns, titles)])
    for r in rows:
        w.writerow([safe_cell(r.get(c)) for c in columns])
    return BOM + buf.getvalue()


def to_json(rows, columns) -> str:
    """JSON keeps the variable names and the exact text (nothing neutralised)."""
    return json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=2) + "\n"


def _md_cell(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def to_markdown(rows, columns, titles=None) -> str:
    out = ["| " + " | ".join(_md_cell(t) for t in _titles(columns, titles)) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(_md_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(out) + "\n"


def render(rows, columns, fmt: str, titles=None) -> str:
    """An answer as csv, json or md text. `columns` are variables; `titles` their column
    titles (csv and md only: JSON keeps the variable names)."""
    if fmt == "csv":
        return to_csv(rows, columns, titles)
    if fmt == "json":
        return to_json(rows, columns)
    if fmt == "md":
        return to_markdown(rows, columns, titles)
    raise QueryError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")


def render_answer(query: CannedQuery, rows: list[dict], fmt: str) -> str:
    """A canned query's answer as csv, json or md: plain-word titles for csv and md, every
    variable (with the `_iri` companions) under its own name for json."""
    if fmt == "json":
        return to_json(rows, query.variables if not rows else list(rows[0].keys()))
    return render(rows, list(query.columns), fmt, query.columns)
