"""The OpenAPI 3 document of the query API, made from the `#+` metadata of queries/*.rq:
one GET operation per query file at its JSON URL, so adding a .rq file adds an operation.
A pure function of the parsed `CannedQuery` list (grlc's build_spec, in OpenAPI 3; the
values are bound by the query runner, never pasted into the query)."""
from __future__ import annotations

ERROR = {"type": "object", "required": ["error"],
         "properties": {"error": {"type": "string", "description": "what is wrong, in plain words"},
                        "status": {"type": "integer"},
                        "suggestions": {"type": "array", "items": {"type": "string"},
                                        "description": "the closest names, when a name was not found"}}}


def _schema(p) -> dict:
    if p.type == "date":
        schema = {"type": "string", "format": "date"}
    elif p.type == "integer":
        schema = {"type": "integer"}
    elif p.type == "period":
        schema = {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"}
    else:
        schema = {"type": "string"}
    if p.example is not None:
        schema["example"] = int(p.example) if p.type == "integer" else p.example
    if p.default is not None:
        schema["default"] = int(p.default) if p.type == "integer" else p.default
    return schema


def build_parameter(p) -> dict:
    kind = getattr(p, "kind", None)
    description = p.description + (f" (names a {kind}: its name, another name or its code)" if kind else "")
    out = {"name": p.name, "in": "query", "required": p.default is None, "description": description.strip(),
           "schema": _schema(p)}
    if p.example is not None:
        out["example"] = _schema(p)["example"]
    return out


def build_operation(q) -> dict:
    row = {"type": "object", "properties": {v: {"type": ["string", "null"]} for v in q.variables}}
    errors = {"description": "a missing or malformed parameter, or a name that names nothing",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "operationId": q.name,
        "summary": q.summary,
        "description": q.description + f"\n\nThe same answer as CSV: `/api/queries/{q.name}.csv`.",
        "tags": list(q.tags) or ["query"],
        "parameters": [build_parameter(p) for p in q.params],
        "responses": {
            "200": {"description": "the answer: one object per row, keyed by the query's variable names "
                                   "(as `icsgraph query NAME --format json`)",
                    "content": {"application/json": {"schema": {"type": "array", "items": row}}}},
            "400": errors,
            "404": {"description": "no such query",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }


def build_spec(queries, version: str = "0.1.0") -> dict:
    """The OpenAPI 3.1 document for these canned queries."""
    tags = sorted({t for q in queries for t in (q.tags or ["query"])})
    return {
        "openapi": "3.1.0",
        "info": {"title": "icsgraph query API",
                 "version": version,
                 "description": "The canned questions of the Kent and Medway Integrated Care Strategy "
                                "knowledge graph. Each answer is JSON (an array of rows) or, with a .csv "
                                "suffix, CSV that Excel and Power BI read. Parameters are bound, never "
                                "pasted into the query text."},
        "servers": [{"url": "../"}],
        "tags": [{"name": t} for t in tags],
        "paths": {f"/api/queries/{q.name}": {"get": build_operation(q)} for q in queries},
        "components": {"schemas": {"Error": ERROR}},
    }
