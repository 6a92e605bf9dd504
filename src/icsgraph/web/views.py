"""One view per page type. Views call the library (`WebApp.run` -> `queries.run_query`,
`gaps.gap_report`, `viz`), never build SPARQL for an answer, and take every link from the
URL builder. Errors: 400/404 with a JSON body under /api/, an HTML page elsewhere; never a
stack trace."""
from __future__ import annotations

import datetime as _dt
import inspect
import json
import logging

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..queries import QueryError
from . import nodes, render
from .app import column_titles, param_kind, query_columns
from .openapi import build_spec

log = logging.getLogger("icsgraph.web")
FAR_FUTURE = "9999-12-31"


def web(request):
    return request.app.state.web


def urls(request):
    return web(request).urls(request.url.path, dict(request.query_params))


def page(request, names, context, status=200):
    return web(request).renderer.page(request, names, context, status)


class BadRequest(Exception):
    def __init__(self, message, status=400, suggestions=None):
        super().__init__(message)
        self.status = status
        self.suggestions = suggestions or []


# --- home, catalogue, search ---------------------------------------------------------------

def home(request):
    w = web(request)
    counts = w.cached("counts", lambda: w.run("graph-counts", {}))
    coverage = w.cached("coverage", lambda: w.run("outcome-coverage", {}))
    outcome_iris = nodes.code_index(w)
    return page(request, ["home.html"], {"counts": counts, "coverage": coverage, "outcome_iris": outcome_iris,
                                         "questions": w.queries()})


def redirect_slash(request):
    return RedirectResponse(urls(request).questions(), status_code=308)


def questions(request):
    w = web(request)
    return page(request, ["questions.html"], {"questions": w.queries(), "param_kind": param_kind})


def search(request):
    w = web(request)
    q = (request.query_params.get("q") or "").strip()
    results = nodes.search(w, q) if q else []
    context = {"q": q, "results": results}
    if w.static:
        context["index"] = nodes.search_index_for_page(w, urls(request))
    return page(request, ["search.html"], context)


# --- questions ---------------------------------------------------------------------------

def _get_query(request, name):
    w = web(request)
    try:
        return w.query(name)
    except QueryError as e:
        raise BadRequest(str(e), status=404) from None


def _params(request, q) -> dict:
    values = {k: v for k, v in request.query_params.items()}
    known = {p.name for p in q.params}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BadRequest(f"query '{q.name}' has no parameter '{unknown[0]}' "
                         f"(parameters: {', '.join(sorted(known)) or 'none'})")
    return values


def _suggestions(e) -> list[str]:
    return [str(s) for s in (getattr(e, "suggestions", None) or [])]


def _run(w, q, params):
    try:
        return w.run(q.name, params)
    except QueryError as e:
        raise BadRequest(str(e), suggestions=_suggestions(e)) from None


def query_page(request):
    w = web(request)
    name = request.path_params["name"]
    q = _get_query(request, name)
    u = urls(request)
    given = _params(request, q)
    # the static site's answer pages link back to the question page instead of repeating its form
    form = [] if (w.static and given) else render.form_fields(w, q, given, u)
    context = {"q": q, "form": form, "given": given, "rows": None, "error": None, "suggestions": [],
               "date_filter": None}
    missing = [p.name for p in q.params if not given.get(p.name) and p.default is None]
    run_with = dict(given)
    if w.static and missing and all(p.type == "date" for p in q.params if p.name in missing):
        # a static page cannot run the query: answer with every dated row, filter in the page
        for p in q.params:
            if p.name in missing:
                run_with[p.name] = FAR_FUTURE
        context["date_filter"] = [p for p in q.params if p.name in missing]
        missing = []
    if not missing:
        try:
            rows = _run(w, q, {k: v for k, v in run_with.items() if v != ""})
        except BadRequest as e:
            context.update(error=str(e), suggestions=e.suggestions)
            return page(request, [f"query-{name}.html", "query.html"], context, status=400)
        columns = [c for c in query_columns(q, rows) if not c.endswith("_iri")]
        context.update(rows=rows, columns=columns, titles=column_titles(q, columns),
                       table=render.table(w, u, rows, columns),
                       downloads={fmt: u.api_query(q.name, fmt, **given) for fmt in ("csv", "json", "md")})
    return page(request, [f"query-{name}.html", "query.html"], context)


# --- the API -----------------------------------------------------------------------------

FORMATS = {"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8",
           "json": "application/json; charset=utf-8"}


def api_catalogue(request):
    w = web(request)
    u = urls(request)
    out = []
    for q in w.queries():
        out.append({"name": q.name, "title": q.summary, "description": q.description, "tags": q.tags,
                    "parameters": [{"name": p.name, "description": p.description, "type": p.type,
                                    "kind": param_kind(p), "example": p.example, "default": p.default,
                                    "required": p.default is None} for p in q.params],
                    "json": u.api_query(q.name), "csv": u.api_query(q.name, "csv"), "page": u.query(q.name)})
    return JSONResponse(out)


def api_query(request):
    w = web(request)
    name = request.path_params["name"]
    fmt = "json"
    for suffix in ("csv", "md", "json"):
        if name.endswith("." + suffix):
            name, fmt = name[: -len(suffix) - 1], suffix
    q = _get_query(request, name)
    params = _params(request, q)
    if w.static:  # the static site's date questions hold every dated row, filtered in the page
        params.update({p.name: FAR_FUTURE for p in q.params if p.type == "date" and not params.get(p.name)})
    rows = _run(w, q, params)
    body = render.answer_text(q, rows, fmt)  # as `icsgraph query NAME --format FMT`
    headers = {}
    if fmt == "csv":
        headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
    return Response(body, media_type=FORMATS[fmt], headers=headers)


def openapi(request):
    return JSONResponse(build_spec(web(request).queries()))


def api_docs(request):
    w = web(request)
    return page(request, ["api.html"], {"spec": build_spec(w.queries()), "questions": w.queries(),
                                        "param_kind": param_kind})


# --- nodes -------------------------------------------------------------------------------

def _stable_jsonld(text: str) -> str:
    """rdflib writes JSON-LD nodes and values in hash order (different in every process);
    sorted (arrays are unordered in JSON-LD except @list), the file is the same every time."""
    def tidy(value, key=None):
        if isinstance(value, dict):
            return {k: tidy(v, k) for k, v in value.items()}
        if isinstance(value, list):
            items = [tidy(v) for v in value]
            return items if key == "@list" else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return value
    return json.dumps(tidy(json.loads(text)), indent=2, ensure_ascii=False) + "\n"


def _node(request, iri_path, suffix):
    w = web(request)
    accept = request.headers.get("accept", "")
    fmt = suffix or nodes.negotiate(accept)
    data = nodes.node_data(w, iri_path)
    if data is None:
        raise BadRequest(f"there is no node at {request.url.path}", status=404)
    if fmt == "ttl":
        return Response(nodes.triples_of(data).serialize(format="turtle"), media_type="text/turtle; charset=utf-8",
                        headers={"Vary": "Accept"})
    if fmt == "jsonld":
        return Response(nodes.json_ld(nodes.triples_of(data)), media_type="application/ld+json", headers={"Vary": "Accept"})
    u = urls(request)
    view = nodes.node_view(w, data, u)
    response = page(request, ["node-%s.html" % view["kind"], "node.html"], view)
    response.headers["Vary"] = "Accept"
    return response


def _split_suffix(ident):
    for suffix in ("ttl", "jsonld", "html"):
        if ident.endswith("." + suffix):
            return ident[: -len(suffix) - 1], (None if suffix == "html" else suffix)
    return ident, None


def node_page(request):
    kind = request.path_params["kind"]
    ident, suffix = _split_suffix(request.path_params["ident"])
    return _node(request, f"/id/{kind}/{ident}", suffix)


def topic_page(request):
    ident, suffix = _split_suffix(request.path_params["ident"])
    return _node(request, f"/topic/{ident}", suffix)


# --- gap report and network --------------------------------------------------------------

def _gap_report(w, as_of, threshold):
    from ..gaps import gap_report
    return gap_report(None if w.endpoint else w.graph, as_of=as_of, threshold=threshold,
                      queries_dir=w.paths.queries, endpoint=w.endpoint, endpoint_graph=w.endpoint_graph)


def gaps_page(request):
    """The gap report exactly as `icsgraph gaps` writes it (gaps.render), inside the site's
    layout, with each code cell linked to its node and each question to its page."""
    import re
    from ..gaps import render as gap_render
    w = web(request)
    as_of = request.query_params.get("as_of") or _dt.date.today().isoformat()
    try:
        _dt.date.fromisoformat(as_of)
    except ValueError:
        raise BadRequest(f"as_of must be a date written YYYY-MM-DD, not {as_of!r}") from None
    threshold = request.query_params.get("threshold") or "2"
    if not threshold.isdigit():
        raise BadRequest(f"threshold must be a whole number, not {threshold!r}")
    try:
        report = w.cached(("gaps", as_of, threshold), lambda: _gap_report(w, as_of, int(threshold)))
    except QueryError as e:
        raise BadRequest(str(e)) from None
    fmt = request.path_params.get("fmt")
    if fmt:
        if fmt not in ("csv", "json", "md"):
            raise BadRequest(f"no gap report as .{fmt} (csv, json or md)", status=404)
        return Response(gap_render(report, fmt), media_type=FORMATS[fmt])
    u = urls(request)
    html = gap_render(report, "html")
    body = html.split("<body>", 1)[-1].rsplit("</body>", 1)[0]
    body = body.replace("<main>", "", 1).replace("</main>", "", 1)   # the site's layout has its own
    body = body.replace("<h1>", '<h1 class="govuk-heading-l">', 1)
    codes = nodes.code_index(w)

    def link_code(m):
        code = m.group(2)
        href = u.node(codes[code]) if code in codes else None
        return f'{m.group(1)}<a class="govuk-link" href="{href}">{code}</a></td>' if href else m.group(0)
    body = re.sub(r'(<td(?: class="[a-z ]+")?>)([A-Za-z0-9-]+)</td>', link_code, body)
    names = {q.name for q in w.queries()}

    def link_query(m):
        name = m.group(1)
        return f'<a class="govuk-link" href="{u.query(name)}"><code>icsgraph query {name}</code></a>' \
            if name in names else m.group(0)
    body = re.sub(r"<code>icsgraph query ([a-z0-9-]+)</code>", link_query, body)
    return page(request, ["gaps.html"], {"report": report, "body": render.trusted(body)})


def _network_html(w, focus=None, hops=1, outcome=None, directorate=None):
    from ..viz import VizError, layout, render_page, select
    G = nodes.projection(w)
    try:
        H, scope = select(G, focus, hops, outcome, directorate)
    except VizError as e:
        raise BadRequest(str(e)) from None
    return render_page(H, layout(H), scope)


def _hops(request):
    hops = request.query_params.get("hops") or "1"
    if not hops.isdigit() or int(hops) > 6:
        raise BadRequest(f"hops must be a whole number from 0 to 6, not {hops!r}")
    return int(hops)


# The parameters the network page reads from its own address (viz.py's docstring, the page's
# readUrl): focus, hops, outcome and directorate also cut the page here (as `viz --focus`
# does); the others are left for the page itself, which applies them and says in its status
# line when a name matches nothing.
NETWORK_SERVER_PARAMS = ("focus", "hops", "outcome", "directorate")
NETWORK_PAGE_PARAMS = ("topic", "status", "types", "view", "names", "select")
NETWORK_CHOICES = {"view": ("network", "overview"), "names": ("0", "1")}


def network(request):
    w = web(request)
    p = request.query_params
    accepted = NETWORK_SERVER_PARAMS + NETWORK_PAGE_PARAMS
    unknown = sorted(set(p) - set(accepted))
    if unknown:
        raise BadRequest(f"the network page takes {', '.join(accepted[:-1])} and {accepted[-1]}, "
                         f"not {unknown[0]!r}")
    for name, choices in NETWORK_CHOICES.items():
        if p.get(name) is not None and p.get(name) not in choices:
            raise BadRequest(f"{name} must be {' or '.join(repr(c) for c in choices)}, not {p.get(name)!r}")
    key = ("network", p.get("focus"), _hops(request), p.get("outcome"), p.get("directorate"))
    html = w.cached(key, lambda: _network_html(w, p.get("focus") or None, _hops(request),
                                               p.get("outcome") or None, p.get("directorate") or None))
    return Response(html, media_type="text/html; charset=utf-8")


def network_node(request):
    w = web(request)
    kind, ident = request.path_params["kind"], request.path_params["ident"]
    G = nodes.projection(w)
    key = f"{kind}/{ident}"
    if key not in G:
        raise BadRequest(f"the network has no node {key}", status=404)
    d = G.nodes[key]
    hops = _hops(request)
    html = w.cached(("network-node", key, hops), lambda: _network_html(w, d.get("code") or d["label"], hops))
    return Response(html, media_type="text/html; charset=utf-8")


# --- SPARQL for analysts -----------------------------------------------------------------

RESULT_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8"}


async def sparql(request):
    w = web(request)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/sparql-update"):
            return JSONResponse({"error": "this is an update (application/sparql-update): /sparql only reads the "
                                          "graph and changes nothing", "status": 400}, status_code=400)
        if ctype.startswith("application/sparql-query"):
            text = (await request.body()).decode("utf-8", "replace")
        else:  # application/x-www-form-urlencoded (default-graph-uri is ignored: one graph here)
            from urllib.parse import parse_qs
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            text = (form.get("query") or [None])[0]
    else:
        text = request.query_params.get("query")
    accept = request.headers.get("accept", "")
    where = _sparql_source(w)
    if not text:
        return page(request, ["sparql.html"], {"text": "", "example": render.SPARQL_EXAMPLE, "result": None,
                                                "where": where})
    wants_html = "text/html" in accept and "sparql-results" not in accept
    fmt = request.query_params.get("format") or next(
        (k for k, v in RESULT_TYPES.items() if v.split(";")[0] in accept), "json")
    if fmt not in RESULT_TYPES:
        fmt = "json"
    try:
        if w.endpoint:   # the proxy: the endpoint's named graph answers, read-only
            form = nodes.read_only_form(text)
            if wants_html:
                result = nodes.remote_sparql(w, text, form)
            else:
                media = "text/turtle; charset=utf-8" if form == "graph" else RESULT_TYPES[fmt]
                result = nodes.remote_sparql(w, text, form, accept=media.split(";")[0])
                return Response(result["body"], media_type=media)
        else:
            result = nodes.sparql_query(w, text)
    except QueryError as e:
        status = 502 if isinstance(e, nodes.ProxyError) else 400
        if wants_html:
            return page(request, ["sparql.html"], {"text": text, "example": "", "result": None, "error": str(e),
                                                    "where": where}, status=status)
        return JSONResponse({"error": str(e), "status": status}, status_code=status)
    if wants_html:
        return page(request, ["sparql.html"], {"text": text, "example": "", "result": result, "where": where})
    if result["kind"] == "graph":
        return Response(result["graph"].serialize(format="turtle"), media_type="text/turtle; charset=utf-8")
    return Response(result["raw"].serialize(format=fmt), media_type=RESULT_TYPES[fmt])


def _sparql_source(w) -> str:
    """What /sparql reads, in words, for its page."""
    if not w.endpoint:
        return "the graph at this address"
    from ..endpoint import query_graph, shown
    graph = query_graph(w.endpoint_graph)
    return (f"the graph <{graph}>" if graph else "the default graph") + f" on the triple store {shown(w.endpoint)}"


# --- errors --------------------------------------------------------------------------------

def _error(request, status, message, suggestions=()):
    body = {"error": message, "status": status}
    if suggestions:
        body["suggestions"] = list(suggestions)
    if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "") \
            and "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(body, status_code=status)
    return page(request, ["error.html"], {"status": status, "message": message, "suggestions": list(suggestions)},
                status=status)


async def _bad_request(request, exc):
    return _error(request, exc.status, str(exc), exc.suggestions)


async def _http_exception(request, exc):
    message = {404: "there is no page at this address", 405: "this address does not take that method"}.get(
        exc.status_code, exc.detail)
    return _error(request, exc.status_code, message)


async def _server_error(request, exc):
    log.exception("error serving %s", request.url.path)
    body = {"error": "the server could not answer this request", "status": 500}
    return JSONResponse(body, status_code=500)


EXCEPTION_HANDLERS = {BadRequest: _bad_request, HTTPException: _http_exception, Exception: _server_error}
