"""Rendering: HTML pages through Jinja2 (autoescape on), answer tables with links to nodes,
CSV through the project's one CSV writer."""
from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from .. import queries as _queries
from . import nodes

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "govuk-frontend-6.6.0.min.css"
SPARQL_EXAMPLE = """PREFIX icsg: <https://w3id.org/icsgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?code ?outcome WHERE {
  ?o a icsg:SharedOutcome ; icsg:code ?code ; rdfs:label ?outcome .
}
ORDER BY ?code"""


def trusted(html: str) -> Markup:
    """Mark HTML made by the project's own escaping code (the gap report's heat map)."""
    return Markup(html)


def json_for_script(obj) -> Markup:
    """JSON safe inside <script type="application/json">."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(text)


class Renderer:
    def __init__(self, web):
        self.web = web
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["json_script"] = json_for_script

    def page(self, request, names, context, status=200) -> HTMLResponse:
        template = self.env.select_template(names)
        u = self.web.urls(request.url.path, dict(request.query_params))
        html = template.render(**context, urls=u, static=self.web.static, endpoint=self.web.endpoint,
                               stylesheet=u.static_file(STYLESHEET), site_css=u.static_file("icsgraph.css"),
                               site_js=u.static_file("icsgraph.js"))
        return HTMLResponse(html, status_code=status)


def answer_text(q, rows, fmt: str) -> str:
    """An answer as csv, json or md text, exactly as `icsgraph query NAME --format FMT` writes
    it (the one CSV writer: byte-order mark, formula neutralisation, column titles)."""
    if hasattr(_queries, "render_answer"):
        return _queries.render_answer(q, rows, fmt)
    columns = _queries.columns_of(rows, q)
    return _queries.render(rows, columns, fmt)


def cell(w, u, row: dict, column: str) -> list[dict]:
    """A cell as parts [{text, href}]: linked to a node through the `X_iri` companion
    variable, or, failing that, when each '; '-separated part is a code naming one node."""
    value = row.get(column)
    if value is None or value == "":
        return []
    text = str(value)
    iri = row.get(column + "_iri")
    if iri:
        iris = str(iri).split("; ")
        parts = text.split("; ")
        if len(iris) == len(parts) and len(parts) > 1:
            return [{"text": t, "href": u.node(i)} for t, i in zip(parts, iris)]
        return [{"text": text, "href": u.node(str(iri).split("; ")[0])}]
    codes = nodes.code_index(w)
    parts = text.split("; ")
    if all(p in codes for p in parts):
        return [{"text": p, "href": u.node(codes[p])} for p in parts]
    return [{"text": text, "href": None}]


def table(w, u, rows, columns) -> list[list[list[dict]]]:
    return [[cell(w, u, r, c) for c in columns] for r in rows]


def form_fields(w, q, given: dict, u) -> list[dict]:
    """The form of a query: one field per parameter, the example filled in when nothing is
    given; kind parameters get their choices from the graph (names and other names)."""
    from .app import param_kind
    fields = []
    for p in q.params:
        kind = param_kind(p)
        value = given.get(p.name)
        if value is None:
            value = p.example if p.example is not None else (p.default or "")
        field = {"name": p.name, "description": p.description, "type": p.type, "kind": kind, "value": value,
                 "required": p.default is None, "choices": [], "answers": []}
        if kind:
            field["choices"] = nodes.choices(w, kind)
            if w.static:
                field["answers"] = static_answers(w, q, p, u)
        fields.append(field)
    return fields


def choice_value(choice: dict, kind: str | None = None) -> str:
    """The text a form sends for a choice (its code where it has one: SO3)."""
    return choice.get("code") or choice["label"]


def static_answers(w, q, p, u) -> list[dict]:
    """For the static site: every value of parameter p with the file answering it (the
    other parameters at their examples)."""
    out = []
    from .app import param_kind
    for c in nodes.choices(w, param_kind(p)):
        params = {o.name: (o.example or o.default or "") for o in q.params}
        params[p.name] = choice_value(c)
        names = [c["label"], *([c["code"]] if c["code"] else []), *c["alt_labels"]]
        out.append({"label": c["label"], "code": c["code"], "names": names, "href": u.query(q.name, **params)})
    return out
