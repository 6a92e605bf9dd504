"""`icsgraph site`: the web app as static files, Frozen-Flask style.

The export never builds a page itself: it lists the app's URLs (home, catalogue, every
question for every value the graph enumerates, every node with its .ttl and .jsonld, the
gap report, the network and its focus pages, the API files, the static assets), fetches
each from the app in-process (`make_app(static=True)`, whose URL builder writes relative
links to files) and writes the response to the file `urls.file_for` names. It stops on any
status but 200. `check_links` then walks every written page: every link and asset must be
a file of the export, and nothing may refer to another site.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..project import Paths
from .app import make_app, param_kind
from .urls import file_for, node_path
from . import nodes, render


class SiteError(RuntimeError):
    """A page the export could not fetch, or a broken link in what it wrote."""


def site_urls(web) -> list[tuple[str, dict]]:
    """Every (path, params) the static site holds."""
    out = [("/", {}), ("/queries/", {}), ("/search", {}), ("/gaps", {}), ("/gaps.csv", {}), ("/gaps.json", {}),
           ("/gaps.md", {}), ("/api/", {}), ("/api/queries", {}), ("/api/openapi.json", {}), ("/network", {})]
    for q in web.queries():
        out.append((f"/queries/{q.name}", {}))
        kinds = [p for p in q.params if param_kind(p)]
        if not kinds:
            for suffix in ("", ".csv", ".md"):
                out.append((f"/api/queries/{q.name}{suffix}", {}))
            continue
        seen = set()
        for p in kinds:
            for c in nodes.choices(web, param_kind(p)):
                params = {o.name: (o.example or o.default or "") for o in q.params}
                params[p.name] = render.choice_value(c)
                key = tuple(sorted(params.items()))
                if key in seen:
                    continue
                seen.add(key)
                out.append((f"/queries/{q.name}", params))
                for suffix in ("", ".csv", ".md"):
                    out.append((f"/api/queries/{q.name}{suffix}", params))
    for iri in sorted(nodes.names(web)):
        path = node_path(iri)
        if path:
            out += [(path, {}), (path + ".ttl", {}), (path + ".jsonld", {})]
    return out


def export_site(paths: Paths | None = None, out_dir: Path | None = None, *, endpoint: str | None = None,
                endpoint_graph: str | None = None, graph_path: Path | None = None, progress=None) -> dict:
    """Write the static site to out_dir (default build/site) from the graph file graph_path
    (default build/graph.ttl) or the endpoint; return figures about it."""
    import warnings
    with warnings.catch_warnings():  # Starlette's notice about its httpx dependency is not for officers
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    paths = paths or Paths()
    out_dir = Path(out_dir or paths.build / "site")
    started = time.perf_counter()
    app = make_app(paths, static=True, endpoint=endpoint, endpoint_graph=endpoint_graph, graph_path=graph_path)
    web = app.state.web
    tmp = Path(tempfile.mkdtemp(prefix=".site-", dir=out_dir.parent if out_dir.parent.exists() else None))
    try:
        written: dict[str, tuple] = {}
        with TestClient(app, raise_server_exceptions=False) as client:
            urls = site_urls(web)
            for i, (path, params) in enumerate(urls):
                file = file_for(path, params)
                if file in written:
                    if written[file] != (path, params):
                        raise SiteError(f"{path} {params} and {written[file]} would both be written to {file}")
                    continue
                response = client.get(path, params=params)
                if response.status_code != 200:
                    raise SiteError(f"{path} {params or ''} answered HTTP {response.status_code}: "
                                    f"{response.text[:300]}")
                body = response.content
                target = tmp / file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(body)
                written[file] = (path, params)
                if progress and i % 500 == 0:
                    progress(i, len(urls))
        static_dir = Path(__file__).parent / "static"
        (tmp / "static").mkdir(exist_ok=True)
        for f in sorted(static_dir.iterdir()):
            if f.is_file():
                shutil.copyfile(f, tmp / "static" / f.name)
        problems = check_links(tmp)
        if problems:
            raise SiteError(f"{len(problems)} broken link(s) in the site, e.g. " + "; ".join(problems[:5]))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    return {"index": out_dir / "index.html", "files": len(files),
            "pages": sum(1 for p in files if p.suffix == ".html"),
            "bytes": sum(p.stat().st_size for p in files), "seconds": time.perf_counter() - started}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.links.append(value)


EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


def check_links(root: Path) -> list[str]:
    """Every link, script, stylesheet and form target in the HTML files under root must be a
    file under root; no file may load anything from another site. Returns the problems."""
    root = Path(root)
    problems = []
    for page in sorted(root.rglob("*")):
        if page.suffix not in (".html", ".css"):
            continue
        text = page.read_text(encoding="utf-8")
        if EXTERNAL.search(text):
            problems.append(f"{page.relative_to(root)} refers to another site: {EXTERNAL.search(text).group(0)}")
        if page.suffix != ".html":
            continue
        parser = _Links()
        parser.feed(text)
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                if parts.scheme not in ("data", "mailto"):
                    problems.append(f"{page.relative_to(root)} links to {link}")
                continue
            if not parts.path:
                continue  # a fragment on the same page
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or root.resolve() not in target.parents:
                problems.append(f"{page.relative_to(root)} links to {link}, which is not a file of the site")
    return problems
