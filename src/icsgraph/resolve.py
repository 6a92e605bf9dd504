"""Names an officer types -> the node they mean, or a loud failure with the closest names.

A parameter that names something (a topic, a plan or service, an outcome, a directorate, an
indicator, an action, a priority) is looked up before a canned query runs:

1. its name, another name (alternative or hidden label, an alias, the wording of the source)
   or its code, case and punctuation aside ("so 3" is SO3, "Move Together - Active Kent" is
   "Move Together – Active Kent");
2. failing that, an unambiguous part of a name ("Community Warden" is Community Wardens);
   a part that several names share is refused, listing them;
3. failing that, `NameNotFound` (a `QueryError`) whose `.suggestions` are the closest names.

The names are read with a SPARQL query through the same engine the canned query uses: the
local graph, or the remote endpoint (and named graph) it runs on.

    resolve("topic", "social isolation", graph=g)   -> URIRef(.../topic/loneliness)
    choices("directorate", graph=g)                  -> [{"iri", "label", "code", "alt_labels"}, ...]
"""
from __future__ import annotations

import difflib
import re
import time
import unicodedata
from pathlib import Path

from rdflib import URIRef

from .queries import KINDS, CannedQuery, QueryError

__all__ = ["NameNotFound", "resolve", "choices", "KINDS", "normalise"]


class NameNotFound(QueryError):
    """A name that matches nothing, or (a part of a name) several things. `.suggestions` are
    the closest names (labels) an officer could have meant; `.kind` and `.text` what was asked."""

    def __init__(self, message: str, *, kind: str, text: str, suggestions: list[str]):
        super().__init__(message)
        self.kind = kind
        self.text = text
        self.suggestions = suggestions


# what each kind is in the graph, and how officers call it in messages
NOUN = {"topic": "topic", "mechanism": "plan, service or programme", "outcome": "shared outcome",
        "directorate": "directorate", "indicator": "indicator", "action": "action", "priority": "priority"}
NOUNS = {"topic": "topics", "mechanism": "plans, services or programmes", "outcome": "shared outcomes",
         "directorate": "directorates", "indicator": "indicators", "action": "actions", "priority": "priorities"}
LISTED_BY = {"topic": "'icsgraph topics' lists every topic and its other names"}

_PREFIXES = """PREFIX icsg: <https://w3id.org/icsgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
# one pattern over the name properties, not a UNION of one pattern each: Oxigraph then reads
# each node's names from its subject index (1,500 names of 600 outcomes in 12 ms at 100x
# Kent, against 0.9 s for the UNION)
_NAMES = """
  { ?x_iri ?how_iri ?name .
    FILTER(?how_iri IN (rdfs:label, skos:prefLabel, skos:altLabel, skos:hiddenLabel, icsg:code)) }
"""
_HOW = {"http://www.w3.org/2000/01/rdf-schema#label": "label",
        "http://www.w3.org/2004/02/skos/core#prefLabel": "label",
        "http://www.w3.org/2004/02/skos/core#altLabel": "alt",
        "http://www.w3.org/2004/02/skos/core#hiddenLabel": "hidden",
        "https://w3id.org/icsgraph/ontology#code": "code",
        "http://www.w3.org/2004/02/skos/core#broader": "broader"}
_WHO = {
    "topic": "?x_iri a skos:Concept ; skos:inScheme <https://w3id.org/icsgraph/topic/scheme> .",
    "mechanism": "VALUES ?cls { icsg:Plan icsg:Service icsg:Programme icsg:Partnership icsg:Activity icsg:DeliveryMechanism }\n"
                 "  ?x_iri a ?cls .",
    "outcome": "?x_iri a icsg:SharedOutcome .",
    "directorate": "?x_iri a icsg:Directorate .",
    "indicator": "?x_iri a icsg:Indicator .",
    "action": "?x_iri a icsg:Action .",
    "priority": "?x_iri a icsg:Priority .",
}


def _lookup_query(kind: str) -> CannedQuery:
    broader = ""
    if kind == "topic":  # a topic's broader topic, for `icsgraph topics` and forms
        broader = "  UNION { ?x_iri skos:broader ?b . ?b skos:prefLabel ?name . BIND(skos:broader AS ?how_iri) }\n"
    text = _PREFIXES + "SELECT DISTINCT ?x_iri ?how_iri ?name\nWHERE {\n  " + _WHO[kind] + "\n" + _NAMES + broader + "}\n"
    return CannedQuery(f"names of {kind}", Path(f"<{kind} names>"), f"names of every {kind}", "", [], [], text)


# --- reading the names ----------------------------------------------------------------------

_CACHE: dict = {}
_REMOTE_SECONDS = 60.0


def _rows(kind: str, graph=None, endpoint: str | None = None, endpoint_graph: str | None = None) -> list[dict]:
    from .queries import run_on_endpoint, run_on_graph
    if kind not in KINDS:
        raise QueryError(f"unknown kind of name '{kind}' (one of {', '.join(KINDS)})")
    query = _lookup_query(kind)
    if endpoint:
        key = ("remote", endpoint, endpoint_graph, kind)
        hit = _CACHE.get(key)
        if hit and time.monotonic() - hit[0] < _REMOTE_SECONDS:
            return hit[1]
        rows = run_on_endpoint(query, endpoint, {}, endpoint_graph)
        _CACHE[key] = (time.monotonic(), rows)
        return rows
    if graph is None:
        from .project import Paths
        from .queries import load_store
        graph = load_store(Paths().graph)
    # read once per graph object (load_graph and load_store give a new one when the file changes)
    key = ("local", id(graph), kind)
    hit = _CACHE.get(key)
    if hit and hit[2] is graph:
        return hit[1]
    rows = run_on_graph(query, graph, {})
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = (time.monotonic(), rows, graph)
    return rows


def _nodes(kind: str, **where) -> list[dict]:
    """Every node of a kind: iri, label, code, alt_labels (other names shown to officers),
    hidden (source wordings: searchable, not shown), broader (topics), and `keys`: every
    name normalised, for matching. Sorted by code for coded kinds, else by label."""
    rows = _rows(kind, **where)
    memo = _CACHE.get(("nodes", id(rows)))
    if memo is not None and memo[0] is rows:
        return memo[1]
    nodes: dict[str, dict] = {}
    for r in rows:
        iri, how, name = r["x_iri"], _HOW.get(r["how_iri"]), r["name"]
        if iri is None or name is None:
            continue
        n = nodes.setdefault(iri, {"iri": iri, "label": None, "code": None, "alt_labels": [], "hidden": [],
                                   "broader": []})
        if how == "label":
            n["label"] = name if n["label"] is None else min(n["label"], name)
        elif how == "code":
            n["code"] = name
        elif how == "alt":
            n["alt_labels"].append(name)
        elif how == "hidden":
            n["hidden"].append(name)
        elif how == "broader":
            n["broader"].append(name)
    out = []
    for n in nodes.values():
        n["code"] = n["code"] or n["iri"].rstrip("/").rsplit("/", 1)[-1]
        n["label"] = n["label"] or n["code"]
        for k in ("alt_labels", "hidden", "broader"):
            n[k] = sorted(set(n[k]) - {n["label"]}, key=str.casefold)
        n["keys"] = {f: [normalise(v) for v in (n[f] if isinstance(n[f], list) else [n[f]])]
                     for f in ("code", "label", "alt_labels", "hidden")}
        out.append(n)
    if kind in CODED:
        out.sort(key=lambda n: (_code_key(n["code"]), n["iri"]))
    else:
        out.sort(key=lambda n: (n["label"].casefold(), n["code"], n["iri"]))
    _CACHE[("nodes", id(rows))] = (rows, out)
    return out


CODED = ("outcome", "priority", "indicator", "action")


def choices(kind: str, *, graph=None, endpoint: str | None = None, endpoint_graph: str | None = None) -> list[dict]:
    """Every node of a kind, for forms and lists: dicts with `iri`, `label`, `code`,
    `alt_labels` (and `broader` for topics), sorted by label (by code for coded kinds)."""
    nodes = _nodes(kind, graph=graph, endpoint=endpoint, endpoint_graph=endpoint_graph)
    out = []
    for n in nodes:
        item = {"iri": n["iri"], "label": n["label"], "code": n["code"], "alt_labels": n["alt_labels"]}
        if kind == "topic":
            item["broader"] = n["broader"]
        out.append(item)
    return out


def _code_key(code: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code)]


# --- matching -------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing aside: 'Move Together – Active Kent' and
    'move together active kent' are the same name; '&' reads as 'and'."""
    text = str(text)
    if text.isascii():  # most names: no accents to take off (a character at a time is slow)
        text = text.casefold().replace("&", " and ")
    else:
        text = unicodedata.normalize("NFKD", text).casefold().replace("&", " and ")
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text).split())


_NOT_WORD = re.compile(r"[^\w]+|_")


def _compact(text: str) -> str:
    return normalise(text).replace(" ", "")


def _display(kind: str, n: dict) -> str:
    if kind in CODED:
        return f"{n['code']} {n['label']}"
    return n["label"]


def resolve(kind: str, text: str, *, graph=None, endpoint: str | None = None,
            endpoint_graph: str | None = None) -> URIRef:
    """The IRI of the one node of `kind` that `text` names (see the module's docstring), or
    `NameNotFound` with the closest names."""
    nodes = _nodes(kind, graph=graph, endpoint=endpoint, endpoint_graph=endpoint_graph)
    noun = NOUN.get(kind, kind)
    asked = " ".join(str(text).split())
    q = normalise(asked)
    qc = q.replace(" ", "")
    if not qc:
        raise NameNotFound(f"no {noun} named: give its name, another name or its code", kind=kind, text=text,
                           suggestions=[])
    # 1. a whole name: code first, then name, other names, source wordings
    whole = _whole_names(nodes)
    for field in ("code", "label", "alt_labels", "hidden"):
        found = whole[field].get(qc, [])
        if len(found) == 1:
            return URIRef(found[0]["iri"])
        if len(found) > 1:
            raise _ambiguous(kind, asked, found, "is the name of")
    # 2. an unambiguous part of a name. The first of these that finds anything decides: the
    #    names that start with it (shown names, then source wordings too), then the names with
    #    a word that starts with it. 'Community Warden' is Community Wardens (not "Esther
    #    improvement coaching (Community Wardens)", written "Community Wardens – Esther ..."
    #    in the source); 'Wardens' could be either, so it is refused listing both.
    if len(qc) >= 3:
        word = re.compile(r"(?:^| )" + re.escape(q))
        tests = (("begins the names of", lambda k: k.startswith(q)), ("is part of the names of", word.search))
        for how, test in tests:
            for fields in (("label", "alt_labels"), ("label", "alt_labels", "hidden")):
                found = [n for n in nodes if any(test(k) for f in fields for k in n["keys"][f])]
                if len(found) == 1:
                    return URIRef(found[0]["iri"])
                if len(found) > 1:
                    raise _ambiguous(kind, asked, found, how)
    # 3. nothing: the closest names
    close = _closest(kind, q, nodes)
    hint = f" Did you mean: {'; '.join(close)}?" if close else ""
    if not close and len(nodes) <= 12:
        hint = f" The {NOUNS[kind]} are: {'; '.join(_display(kind, n) for n in nodes)}."
    listed = f" ({LISTED_BY[kind]})" if kind in LISTED_BY else ""
    raise NameNotFound(f"there is no {noun} called '{asked}'.{hint}{listed}", kind=kind, text=text, suggestions=close)


def _whole_names(nodes: list[dict]) -> dict:
    """{field: {name without spaces: [nodes]}}: a whole-name lookup in one step, not a pass over
    every node (37,500 plans and services at 100x Kent: 0.17 s a field)."""
    memo = _CACHE.get(("whole", id(nodes)))
    if memo is not None and memo[0] is nodes:
        return memo[1]
    index: dict = {f: {} for f in ("code", "label", "alt_labels", "hidden")}
    for n in nodes:
        for field, names in index.items():
            for key in dict.fromkeys(k.replace(" ", "") for k in n["keys"][field]):
                names.setdefault(key, []).append(n)
    _CACHE[("whole", id(nodes))] = (nodes, index)
    return index


def _values(n: dict, field: str) -> list[str]:
    v = n[field]
    return v if isinstance(v, list) else [v]


def _ambiguous(kind: str, asked: str, found: list[dict], how: str) -> NameNotFound:
    names = [_display(kind, n) for n in found]
    shown = names[:12]
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return NameNotFound(f"'{asked}' {how} {len(names)} {NOUNS[kind]}: {'; '.join(shown)}{more}. "
                        "Give more of the name (or its code).", kind=kind, text=asked, suggestions=names)


def _closest(kind: str, q: str, nodes: list[dict], n: int = 5) -> list[str]:
    """Names close to q (typos: 'lonliness' -> Loneliness, 'comunity wardns' -> Community
    Wardens), comparing q with the whole name and with runs of as many words in it."""
    qw = q.split()
    scored: dict[str, float] = {}
    for node in nodes:
        best = 0.0
        for key in [k for f in ("code", "label", "alt_labels", "hidden") for k in node["keys"][f]]:
            words = key.split()
            runs = {" ".join(words)} | {" ".join(words[i:i + len(qw)]) for i in range(max(1, len(words) - len(qw) + 1))}
            best = max(best, *(difflib.SequenceMatcher(None, q, r).ratio() for r in runs))
        if best >= 0.75:
            name = _display(kind, node)
            scored[name] = max(scored.get(name, 0.0), best)
    return [name for name, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:n]]
