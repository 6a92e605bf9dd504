"""Every URL of the web app, built in one place.

Routes are declared once (`ROUTES`: name -> path pattern). Views, templates, the static
export and the OpenAPI document take every link from a `URLs` object, never by joining
strings. A `URLs` object is bound to the page being rendered and always gives links
*relative* to that page, so the same HTML works served at the root, behind a prefix, and
from disk.

Two modes:
- served (`static=False`): a link is the app path (`/queries/services-for-topic?topic=x`),
  made relative to the current page (`services-for-topic?topic=x`);
- static (`static=True`): a link is the file the export writes for that path
  (`queries/services-for-topic/x.html`), made relative to the current page's file.
  `file_for(path, params)` is that mapping; `icsgraph.web.site` writes each fetched page
  to it.
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import quote, urlencode

from ..namespaces import ID, TOPIC

# name -> (path pattern, file pattern in the static export)
ROUTES = {
    "home": "/",
    "questions": "/queries/",
    "query": "/queries/{name}",
    "api_catalogue": "/api/queries",
    "api_query": "/api/queries/{name}",          # + .csv / .md suffix
    "openapi": "/api/openapi.json",
    "api_docs": "/api/",
    "node": "/id/{kind}/{ident}",                # + .ttl / .jsonld suffix
    "topic": "/topic/{ident}",
    "search": "/search",
    "gaps": "/gaps",
    "network": "/network",
    "network_node": "/network/{kind}/{ident}",
    "sparql": "/sparql",
    "static": "/static/{path}",
}


def slug(text: str) -> str:
    """A file-name-safe, lower-case form of a parameter value: 'Community Wardens' ->
    'community-wardens'. Empty text -> '_'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:80].rstrip("-") or "_"


def node_path(iri: str) -> str | None:
    """The app path of a node IRI: https://w3id.org/icsgraph/id/action/A-1 -> /id/action/A-1;
    None for an IRI that is not one of ours."""
    iri = str(iri)
    if iri.startswith(str(ID)):
        rest = iri[len(str(ID)):]
        if re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.~%-]+", rest):
            return "/id/" + rest
    if iri.startswith(str(TOPIC)):
        rest = iri[len(str(TOPIC)):]
        if re.fullmatch(r"[A-Za-z0-9_.~%-]+", rest):
            return "/topic/" + rest
    return None


def iri_for_path(path: str) -> str | None:
    """The node IRI an app path names (inverse of node_path)."""
    m = re.fullmatch(r"/id/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.~%-]+)", path)
    if m:
        return f"{ID}{m.group(1)}/{m.group(2)}"
    m = re.fullmatch(r"/topic/([A-Za-z0-9_.~%-]+)", path)
    if m:
        return f"{TOPIC}{m.group(1)}"
    return None


def file_for(path: str, params: dict | None = None) -> str:
    """The file (relative to the export's root) the static site writes for an app path
    with these query parameters."""
    params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    if path == "/":
        return "index.html"
    if path.endswith("/"):
        return path.strip("/") + "/index.html"
    p = path.lstrip("/")
    m = re.fullmatch(r"queries/([a-z0-9-]+)", p)
    if m and params:
        return f"{p}/" + "--".join(slug(params[k]) for k in sorted(params)) + ".html"
    m = re.fullmatch(r"api/queries/([a-z0-9-]+)(\.csv|\.md)?", p)
    if m:
        base, suffix = f"api/queries/{m.group(1)}", (m.group(2) or ".json")
        if params:
            return f"{base}/" + "--".join(slug(params[k]) for k in sorted(params)) + suffix
        return base + suffix
    if p == "api/queries":
        return "api/queries.json"
    if p == "network" and params.get("focus"):
        return "network/focus-" + slug(params["focus"]) + ".html"
    if re.search(r"\.(json|ttl|jsonld|css|js|txt|md|csv|svg|png)$", p):
        return p
    return p + ".html"


class URLs:
    """Links for the page at `current` (an app path), relative to it."""

    def __init__(self, current: str = "/", static: bool = False, current_params: dict | None = None):
        self.static = static
        self.current = current
        self._here = file_for(current, current_params) if static else current

    def bind(self, current: str, current_params: dict | None = None) -> "URLs":
        return URLs(current, self.static, current_params)

    # -- the one link maker ----------------------------------------------------------
    def link(self, path: str, params: dict | None = None, fragment: str | None = None) -> str:
        params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        if self.static:
            target = file_for(path, params)
            here_dir = posixpath.dirname(self._here)
            rel = posixpath.relpath(target, here_dir or ".")
            query = ""
        else:
            here_dir = self._here if self._here.endswith("/") else posixpath.dirname(self._here)
            rel = posixpath.relpath(path, here_dir)
            if path.endswith("/") and rel != ".":
                rel += "/"
            if rel == ".":
                rel = "./"
            query = ("?" + urlencode(params)) if params else ""
        rel = quote(rel, safe="/.-_~%")
        return rel + query + (("#" + fragment) if fragment else "")

    def route(self, route: str, params: dict | None = None, /, **parts) -> str:
        return self.link(ROUTES[route].format(**parts), params)

    # -- one method per page kind ------------------------------------------------------
    def home(self) -> str:
        return self.route("home")

    def questions(self) -> str:
        return self.route("questions")

    def query(self, name: str, /, **params) -> str:
        return self.route("query", params, name=name)

    def api_query(self, name: str, fmt: str = "json", /, **params) -> str:
        path = ROUTES["api_query"].format(name=name) + ("" if fmt == "json" else f".{fmt}")
        return self.link(path, params)

    def api_catalogue(self) -> str:
        return self.route("api_catalogue")

    def openapi(self) -> str:
        return self.route("openapi")

    def api_docs(self) -> str:
        return self.route("api_docs")

    def node(self, iri: str, fmt: str | None = None) -> str | None:
        path = node_path(iri)
        if path is None:
            return None
        return self.link(path + (f".{fmt}" if fmt else ""))

    def search(self, q: str | None = None) -> str:
        return self.route("search", {"q": q} if q else None)

    def gaps(self) -> str:
        return self.route("gaps")

    def network(self, focus: str | None = None) -> str:
        return self.route("network", {"focus": focus} if focus else None)

    def network_node(self, iri: str) -> str | None:
        path = node_path(iri)
        if path is None:
            return None
        kind, ident = (path[len("/id/"):].split("/", 1) if path.startswith("/id/")
                       else ("topic", path[len("/topic/"):]))
        if self.static:  # one network page; its script opens the focus named in the fragment
            return self.link(ROUTES["network"], fragment=f"focus={kind}/{ident}")
        return self.route("network_node", kind=kind, ident=ident)

    def sparql(self) -> str:
        return self.route("sparql")

    def static_file(self, path: str) -> str:
        return self.route("static", path=path)
