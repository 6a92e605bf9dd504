"""The interactive network page: a networkx projection of the graph, laid out in Python and
drawn by vis-network in one self-contained HTML file that opens from disk with no network.

- `project(graph)` turns the RDF graph into a networkx.Graph of the things officers reason
  about (outcomes, priorities, commitments, actions, delivery mechanisms, directorates, ...),
  with each node's directorates, outcomes, OWN topics (a plan or service's from
  mechanisms.csv, not those of every commitment it serves), a name that tells apart nodes
  sharing one ("Reduce loneliness (PH)"), and an action's latest progress status.
- `write_page(graph, out_path, ...)` writes the page (optionally a focus view or an
  outcome/directorate slice) and the same projection as GraphML next to it. A focus view
  does not walk on through outcome, directorate or topic nodes (`walk`).
- `page_name(...)`: the file a focus or slice page gets (network-<focus>.html), so a focus
  never overwrites the whole map; `load_remote_graph(endpoint, graph)`: the graph a SPARQL
  store holds, for `viz --endpoint`.

The page. The whole map opens on an overview (`overview`): the shared outcomes in a row, their
priorities beneath, the directorates above, each with its count of commitments and actions;
clicking one opens its part of the network (the nodes within one link of it). Filters (type,
directorate, outcome by code and name, topic, latest progress status) and a focus lay out
what is left afresh and zoom to fit it; the legend counts what the filters leave. Names are
written by the page itself, at 13-14 pixels on screen whatever the zoom, beside their node
where they cover no other name (nor, for most nodes, another node): more appear as one
zooms in; a click names the node (in full) and all its neighbours; "Name every node" names
every node shown.

The page's address opens a view, so other pages can link to it (query string or fragment):

    network.html?focus=A-PH-11&hops=2&outcome=SO3
    network.html#directorate=PH&topic=loneliness

    focus        a node's id, code or name (several: comma-separated); shows the nodes within
                 `hops` links of it, not walking on through outcomes, directorates, topics
    hops         0-6 (default 1)
    outcome      SO1-SO6 (or the outcome's name)
    directorate  a directorate's name, id or abbreviation (PH, GET)
    topic        a topic's name or other name
    status       an action's latest progress status ("At risk"), or "none" for no return yet
    types        the node types to show, comma-separated class names (Action,Commitment)
    view         "network" opens the whole network instead of the overview
    names        "1" names every node
    select       the id of a node to select

Anything given opens the network view; what the officer then does is written back into the
fragment, so the address can be copied. A name that matches nothing is said in the status line.

Why not pyvis's own page: pyvis 0.3.2 loads Bootstrap or vis-network from a CDN in every
mode and inserts its heading unescaped. We use pyvis only to assemble the vis-network node,
edge and option objects, and render them into templates/network.html with vis-network's JS
and CSS inlined from the pyvis package. Positions are computed here (seeded spring layout)
and physics is off, so the browser draws once instead of simulating (slow in headless
Chromium with software rendering); a filtered part is laid out in the page by the same
method, deterministically. All data text reaches the page as JSON inside a
<script type="application/json"> block and is put in the DOM with textContent and on the
canvas with fillText only; a Content-Security-Policy admits only the page's own scripts (by
hash) and no network at all.
"""
from __future__ import annotations

import base64
import difflib
import hashlib
import json
import math
import re
from collections import Counter
from decimal import Decimal
from importlib import resources
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .build import write_atomically
from .namespaces import ICSG, ID, TOPIC


class VizError(ValueError):
    """A request the page cannot be made for (focus matches nothing, unknown outcome...)."""


class FocusNotFound(VizError):
    pass


# Classes drawn, most specific first (a node takes the first that fits): name, legend
# label, colour, vis-network shape, legend glyph. Shapes keep a size (no box/ellipse), so
# size can show degree.
CLASSES = [
    ("Strategy", "Strategy", "#4b2c83", "star", "★"),
    ("DeliveryPlan", "Delivery plan", "#9d7fd0", "star", "★"),
    ("SharedOutcome", "Shared outcome", "#d62728", "diamond", "◆"),
    ("Priority", "Priority", "#ff7f0e", "triangle", "▲"),
    ("Enabler", "Enabler", "#9467bd", "triangleDown", "▼"),
    ("Indicator", "Indicator", "#17becf", "square", "■"),
    ("Directorate", "Directorate", "#1f4e9c", "hexagon", "⬢"),
    ("Organisation", "Organisation", "#7f9fbf", "hexagon", "⬢"),
    ("Commitment", "Commitment", "#c9b800", "dot", "●"),
    ("Action", "Action", "#2ca02c", "dot", "●"),
    ("Plan", "Plan or strategy", "#8c564b", "square", "■"),
    ("Service", "Service", "#e377c2", "dot", "●"),
    ("Programme", "Programme", "#bc5090", "diamond", "◆"),
    ("Partnership", "Partnership", "#ff9da7", "hexagon", "⬢"),
    ("Activity", "Activity", "#9a9a9a", "dot", "●"),
    ("Topic", "Topic", "#6baed6", "triangleDown", "▼"),
]
CLASS_STYLE = {c[0]: c for c in CLASSES}
MECHANISMS = {"Plan", "Service", "Programme", "Partnership", "Activity"}
WORK = {"Commitment", "Action", "Indicator"}  # nodes whose directorates/outcomes/topics spread to neighbours
EDGE_LABELS = {DCTERMS.subject: "about topic", SKOS.broader: "broader topic"}
SHORT = 24  # characters of a label drawn on the canvas
# ICSG.baselineReading: the indicator's baseline is a reading (an RDF Data Cube observation,
# data/readings.csv), shown in words by `_baselines`.
PAGE_FACTS = [(ICSG.leadRole, "Lead"), (ICSG.timescale, "Timescale"), (ICSG.dueDate, "Due date"),
              (ICSG.measure, "Measure"), (ICSG.unit, "Unit"), (ICSG.baselineReading, "Baseline"),
              (ICSG.targetValue, "Target"),
              (ICSG.targetText, "Target (words)"), (ICSG.targetYear, "Target year"),
              (ICSG.indicatorStatus, "Status"), (DCTERMS.description, "Description")]


# --- projection ---------------------------------------------------------------------------

def _key(iri: URIRef) -> str | None:
    """Node key in the projection: "mechanism/m-wardens", "topic/loneliness"."""
    s = str(iri)
    if s.startswith(str(ID)):
        return s[len(str(ID)):]
    if s.startswith(str(TOPIC)):
        return "topic/" + s[len(str(TOPIC)):]
    return None


def _text(g: Graph, s, p) -> str | None:
    values = sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal))
    return values[0] if values else None


def _short(label: str, n: int = SHORT) -> str:
    if len(label) <= n:
        return label
    cut = label[:n - 1]
    if label[n - 1] != " " and " " in cut:  # a word cut short: end at the word before it
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _class_of(g: Graph, s) -> str | None:
    types = {str(t)[len(str(ICSG)):] for t in g.objects(s, RDF.type) if str(t).startswith(str(ICSG))}
    if str(s).startswith(str(TOPIC)) and (s, RDF.type, SKOS.Concept) in g:
        types.add("Topic")
    return next((c[0] for c in CLASSES if c[0] in types), None)


def project(graph: Graph) -> nx.Graph:
    """The network officers explore, as an undirected networkx graph.

    Nodes (keyed "kind/id"): strategies and delivery plans, shared outcomes, priorities,
    enablers, indicators, commitments, actions, delivery mechanisms; directorates and
    organisations that link to something; topics used by something. Edges: the object
    properties between them (an inverse pair such as madeBy/madeCommitment is one edge),
    plus two short-cuts through nodes not drawn: directorate --tracks--> indicator (through
    its logframe entries) and mechanism --involved in--> action (through "services involved").
    Node attributes: label, short_label, class, class_label, code, alt_labels, directorates,
    outcomes, topics (labels/codes, as lists), source, source_id, pages, lines, facts, iri.
    """
    g = graph
    keys = {}
    for s in sorted(set(g.subjects(RDF.type, None)), key=str):
        k = _key(s) if isinstance(s, URIRef) else None
        cls = _class_of(g, s) if k else None
        if cls:
            keys[s] = (k, cls)

    # inverse properties (from the ontology in the graph): edges keep the declared direction
    canonical = {q: p for p, q in g.subject_objects(OWL.inverseOf)}

    def prop_label(p):
        if p in EDGE_LABELS:
            return EDGE_LABELS[p]
        name = _text(g, p, RDFS.label) or str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()  # unitOf -> unit of

    relations: dict[tuple[str, str], set[str]] = {}

    def link(a, b, rel):
        if a == b:
            return
        relations.setdefault((a, b) if a < b else (b, a), set()).add(rel)

    used_topics = set()
    for s, (k, cls) in keys.items():
        for p, o in g.predicate_objects(s):
            if p == RDF.type or o not in keys:
                continue
            if keys[o][1] == "Topic" and p == DCTERMS.subject and cls != "Topic":
                used_topics.add(o)
            if p in canonical:
                p = canonical[p]
            link(k, keys[o][0], prop_label(p))

    # short-cuts through logframe entries and "services involved" lists
    extra_outcomes: dict[str, set[str]] = {}
    tracks = prop_label(ICSG.tracks)
    for entry in g.subjects(RDF.type, ICSG.LogframeEntry):
        for d in g.objects(entry, ICSG.trackedBy):
            for i in g.objects(entry, ICSG.tracksIndicator):
                if d in keys and i in keys:
                    link(keys[d][0], keys[i][0], tracks)
    for inv in g.subjects(RDF.type, ICSG.ServiceInvolvement):
        for m in g.objects(inv, ICSG.involvedService):
            if m not in keys:
                continue
            for a in g.objects(inv, ICSG.involvedIn):
                if a in keys:
                    link(keys[m][0], keys[a][0], "involved in")
            for o in g.objects(inv, ICSG.involvementOutcome):
                code = _text(g, o, ICSG.code)
                if code:
                    extra_outcomes.setdefault(keys[m][0], set()).add(code)

    # topic hierarchy (skos:broader), for the topic filter: a node tagged with a narrower topic
    # belongs to the broader one too
    broader: dict[str, set[str]] = {}
    for a, b in g.subject_objects(SKOS.broader):
        if a in keys and b in keys and keys[a][1] == keys[b][1] == "Topic":
            broader.setdefault(keys[a][0], set()).add(keys[b][0])

    linked = {k for pair in relations for k in pair}
    keep = {s: kc for s, kc in keys.items()
            if not (kc[1] in ("Directorate", "Organisation") and kc[0] not in linked)
            and not (kc[1] == "Topic" and s not in used_topics)}

    G = nx.Graph()
    for s, (k, cls) in sorted(keep.items(), key=lambda item: item[1][0]):
        label = _text(g, s, RDFS.label) or _text(g, s, SKOS.prefLabel) or k
        code = _text(g, s, ICSG.code)
        short = f"{code} {_short(label, SHORT - 4)}" if cls == "SharedOutcome" and code else _short(label)
        source = next(iter(sorted(g.objects(s, DCTERMS.source))), None)
        facts = [[name, v] for p, name in PAGE_FACTS
                 for v in (_baselines(g, s) if p == ICSG.baselineReading else sorted(map(str, g.objects(s, p))))]
        G.add_node(k, label=label, short_label=short, **{"class": cls}, class_label=CLASS_STYLE[cls][1],
                   code=code or "", iri=str(s),
                   alt_labels=sorted({str(a) for a in g.objects(s, SKOS.altLabel)} - {label}),
                   source=(_text(g, source, RDFS.label) or _key(source) or str(source)) if source else "",
                   source_id=(_key(source) or "").split("/")[-1] if source else "",
                   pages=sorted(int(p) for p in g.objects(s, ICSG.page)),
                   lines=sorted(int(n) for n in g.objects(s, ICSG.line)),
                   facts=facts, directorates=[], outcomes=[], topics=[], topic_filter=[],
                   status="", status_colour="", status_period="")
    for (a, b), rels in sorted(relations.items()):
        if a in G and b in G:
            G.add_edge(a, b, relation="; ".join(sorted(rels)))

    _memberships(G, extra_outcomes, broader)
    _latest_status(g, G, keys)
    _disambiguate(G)
    return G


def _baselines(g: Graph, indicator) -> list[str]:
    """An indicator's baseline in words, from its baseline reading(s) (icsg:baselineReading ->
    a qb:Observation: value, unit, period, area, source and page): "7.3% in 2020/21, Kent and
    Medway (Strategy)". A reading replaced by a correction is left out. The area is always
    said, and a reading for another area than the indicator's is flagged, so a Kent figure is
    not read as a Kent and Medway one."""
    from .namespaces import SDMX_ATTRIBUTE, SDMX_DIMENSION, SDMX_MEASURE
    geography = _text(g, indicator, ICSG.geography)
    out = []
    for r in sorted(g.objects(indicator, ICSG.baselineReading), key=str):
        value = next(iter(sorted(g.objects(r, SDMX_MEASURE.obsValue), key=str)), None)
        if value is None or (r, ICSG.replacedBy, None) in g:
            continue
        number = value.toPython() if isinstance(value, Literal) else value
        try:   # the same text from any store: Virtuoso gives 8 as 8.0
            number = format(Decimal(str(number)).normalize(), "f")
        except (ArithmeticError, TypeError, ValueError):
            number = str(value)
        unit = _text(g, r, SDMX_ATTRIBUTE.unitMeasure) or ""
        text = number + ("" if unit in ("", "%") else " ") + unit
        period, area = _text(g, r, SDMX_DIMENSION.refPeriod), _text(g, r, SDMX_DIMENSION.refArea)
        if period and period != "not stated":
            text += f" in {period}"
        elif period:
            text += " (period not stated)"
        if area:
            text += f", {area}"
            if geography and area != geography:
                text += f" (a {area} figure; the indicator is for {geography})"
        source = next(iter(sorted(g.objects(r, DCTERMS.source), key=str)), None)
        if source is not None:
            doc = _text(g, source, RDFS.label) or (_key(source) or str(source)).split("/")[-1]
            pages = sorted(int(p) for p in g.objects(r, ICSG.page))
            where = doc + (f", page {', '.join(map(str, pages))}" if pages else "")
            text += f"; stated in {where}"
        out.append(text)
    return out


def _latest_status(g: Graph, G: nx.Graph, keys: dict) -> None:
    """Each action's latest progress return (the monitoring vocabulary: icsg:ProgressReturn,
    icsg:returnFor, icsg:period, icsg:status -> a concept with skos:prefLabel and
    icsg:ragColour). A return replaced by another (icsg:replacedBy) does not count; of the
    rest, the latest period wins (periods are written "2025-Q4", so they sort as text)."""
    latest: dict[str, tuple] = {}
    for r in sorted(g.subjects(RDF.type, ICSG.ProgressReturn), key=str):
        if (r, ICSG.replacedBy, None) in g:
            continue
        period = _text(g, r, ICSG.period) or ""
        for a in sorted(g.objects(r, ICSG.returnFor), key=str):
            if a not in keys or keys[a][0] not in G:
                continue
            for st in sorted(g.objects(r, ICSG.status), key=str):
                label = _text(g, st, SKOS.prefLabel) or (str(st) if isinstance(st, Literal) else None)
                if not label:
                    continue
                colour = _text(g, st, ICSG.ragColour) or ""
                colour = colour if re.fullmatch(r"#[0-9A-Fa-f]{3,8}", colour) else ""
                order = _text(g, st, ICSG.order)
                rank = int(order) if order and order.isdigit() else 99
                cand = (period, label, colour, rank, _text(g, st, SKOS.notation) or "")
                k = keys[a][0]
                if k not in latest or cand > latest[k]:
                    latest[k] = cand
    for k, (period, label, colour, rank, notation) in latest.items():
        G.nodes[k].update(status=label, status_colour=colour, status_period=period, status_rank=rank,
                          status_notation=notation)


def directorate_abbreviations(G: nx.Graph) -> dict[str, str]:
    """Each directorate's shortest name (label or other name): PH, GET, CYPE, Procurement."""
    return {d["label"]: min([d["label"], *d["alt_labels"]], key=lambda x: (len(x), x))
            for _, d in G.nodes(data=True) if d["class"] == "Directorate"}


def _disambiguate(G: nx.Graph) -> None:
    """Nodes that share a name ("Reduce loneliness", made by three directorates) are told apart
    by their directorate, then their outcome, then their code: `display` is the name with that
    in brackets ("Reduce loneliness (PH)"), used on the map, in the panel and in search; the
    short canvas label gets the same suffix."""
    abbr = directorate_abbreviations(G)
    groups: dict[str, list[str]] = {}
    for n, d in G.nodes(data=True):
        d["display"] = d["label"]
        groups.setdefault(d["label"].casefold(), []).append(n)
    for members in groups.values():
        if len(members) < 2:
            continue

        classes = Counter(G.nodes[n]["class"] for n in members)

        def tags(n, level):
            d = G.nodes[n]
            if classes[d["class"]] == 1 and level == 0:
                return d["class_label"]  # a topic and a commitment of the same name
            dirs = [abbr.get(x, x) for x in d["directorates"]] if d["class"] not in ("Topic", "SharedOutcome", "Priority") else []
            parts = [", ".join(dirs[:3]) + (f" +{len(dirs) - 3}" if len(dirs) > 3 else "") or d["class_label"]]
            if level >= 1:
                parts.append(", ".join(d["outcomes"][:3]))
            if level >= 2:
                parts.append(d["code"] or n.split("/", 1)[-1])
            return "; ".join(p for p in parts if p)

        level = 0
        while level < 2 and len({tags(n, level) for n in members}) < len(members):
            level += 1
        for n in members:
            d = G.nodes[n]
            suffix = f" ({tags(n, level)})"
            d["display"] = d["label"] + suffix
            d["short_label"] = d["short_label"] + suffix


def _memberships(G: nx.Graph, extra_outcomes: dict[str, set[str]], broader: dict[str, set[str]] | None = None) -> None:
    """Which directorates, outcome codes and topics each node belongs to: what the page's
    filters and the --outcome/--directorate slices select on.

    A node's own: a directorate itself; the directorate that made a commitment, owns an
    action, runs a mechanism or tracks an indicator; the outcome of a priority, commitment,
    action or indicator; the topics it is tagged with. Every other node also takes those of
    the commitments, actions and indicators it links to, so a mechanism, priority, outcome or
    topic appears in the slices of the work that uses it.

    Topics are the exception for plans and services: `topics` is always a node's OWN topics
    (what the side panel lists: Community Wardens' own three, not the 24 of every commitment
    it serves), and `topic_filter`, what the topic filter selects on, adds for a mechanism
    only the broader topics of its own (a service about social isolation is about
    loneliness), and for other nodes also the topics of the work they link to (the rule of
    services-for-topic: a plan or service answers a topic by its own topics)."""
    own = {}
    for n, d in G.nodes(data=True):
        dirs, outs, tops = set(), set(extra_outcomes.get(n, ())), set()
        cls = d["class"]
        if cls == "Directorate":
            dirs.add(d["label"])
        if cls == "SharedOutcome":
            outs.add(d["code"])
        if cls == "Topic":
            tops.add(d["label"])
        for m in G[n]:
            mc, md = G.nodes[m]["class"], G.nodes[m]
            if mc == "Directorate" and cls in WORK | MECHANISMS:
                dirs.add(md["label"])
            if mc == "SharedOutcome" and cls in WORK | {"Priority"}:
                outs.add(md["code"])
            if mc == "Priority" and cls == "Commitment":
                outs.update(G.nodes[o]["code"] for o in G[m] if G.nodes[o]["class"] == "SharedOutcome")
            if mc == "Topic" and cls != "Topic":
                tops.add(md["label"])
        own[n] = (dirs, outs, tops)
    for n, d in G.nodes(data=True):
        sets = [set(x) for x in own[n]]
        if d["class"] not in WORK:
            # a directorate, outcome (or priority) or topic keeps itself: SO2 is not in SO3's
            # slice because one action names both
            fixed = [d["class"] == "Directorate", d["class"] in ("SharedOutcome", "Priority"), d["class"] == "Topic"]
            for m in G[n]:
                if G.nodes[m]["class"] in WORK:
                    for i in range(3):
                        if not fixed[i]:
                            sets[i] |= own[m][i]
        own_topics = own[n][2]
        if d["class"] in MECHANISMS:
            sets[2] = set(own_topics)
        topic_keys = {m for m in G[n] if G.nodes[m]["class"] == "Topic"} | ({n} if d["class"] == "Topic" else set())
        seen, todo = set(topic_keys), list(topic_keys)
        while todo:
            for b in (broader or {}).get(todo.pop(), ()):
                if b in G and b not in seen:
                    seen.add(b)
                    todo.append(b)
        sets[2] |= {G.nodes[t]["label"] for t in seen}
        d["directorates"], d["outcomes"], d["topic_filter"] = (sorted(x) for x in sets)
        d["topics"] = sorted(own_topics)


# --- focus and slices -----------------------------------------------------------------------

def find_nodes(G: nx.Graph, text: str) -> list[str]:
    """Nodes whose label, alternative label or code equals `text` (case-insensitive); failing
    that, whose label or alternative label contains it."""
    q = " ".join(text.split()).casefold()
    def names(d):
        return [d["label"], *d["alt_labels"], d["code"]]
    exact = [n for n, d in G.nodes(data=True) if q in (x.casefold() for x in names(d) if x)]
    if exact or not q:
        return exact
    return [n for n, d in G.nodes(data=True) if any(q in x.casefold() for x in names(d)[:-1])]


def select(G: nx.Graph, focus: str | None = None, hops: int = 1, outcome: str | None = None,
           directorate: str | None = None) -> tuple[nx.Graph, dict]:
    """The part of the projection a page shows: the outcome and directorate slices (nodes
    that belong to them), then the `hops` neighbourhood of the nodes `focus` names."""
    scope = {}
    if outcome:
        code = _outcome_code(outcome)
        codes = sorted({d["code"] for _, d in G.nodes(data=True) if d["class"] == "SharedOutcome"})
        if code not in codes:
            raise VizError(f"there is no outcome '{outcome}' (outcomes: {', '.join(codes)})")
        G = _induced(G, {n for n, d in G.nodes(data=True) if code in d["outcomes"]})
        scope["outcome"] = code
    if directorate:
        dirs = [n for n in find_nodes(G, directorate) if G.nodes[n]["class"] == "Directorate"] or \
               [n for n in G if G.nodes[n]["class"] == "Directorate" and n.split("/")[-1].casefold() == directorate.casefold()]
        if len(dirs) != 1:
            known = sorted(f"{d['label']} ({n.split('/')[-1]})" for n, d in G.nodes(data=True) if d["class"] == "Directorate")
            raise VizError(f"'{directorate}' names {'no' if not dirs else 'more than one'} directorate"
                           f"{' here' if outcome else ''} (directorates: {', '.join(known)})")
        label = G.nodes[dirs[0]]["label"]
        G = _induced(G, {n for n, d in G.nodes(data=True) if label in d["directorates"]})
        scope["directorate"] = label
    if focus is not None:
        if hops < 0:
            raise VizError(f"--hops must be 0 or more, not {hops}")
        matches = find_nodes(G, _outcome_code(focus) if OUTCOME.match(focus) else focus)
        if not matches:
            close = _suggestions(G, focus)
            hint = f" Did you mean: {'; '.join(close)}?" if close else " Try a shorter part of the name."
            where = " in this slice" if scope else ""
            raise FocusNotFound(f"--focus '{focus}' matches no node label, alternative label or code{where}.{hint}")
        G = _induced(G, walk(G, matches, hops))
        scope.update(focus=[_named(G.nodes[m]) for m in sorted(matches)], focus_ids=sorted(matches), hops=hops)
    return G.copy(), scope


def _induced(G: nx.Graph, keep: set) -> nx.Graph:
    """The subgraph of G on keep, its nodes and edges in G's order. (G.subgraph(keep)
    lists them in the set's order when keep is under half of G: with Python's per-process
    string hashing, a focus page and its layout came out different on each run.)"""
    H = nx.Graph()
    H.add_nodes_from((n, d) for n, d in G.nodes(data=True) if n in keep)
    H.add_edges_from((a, b, d) for a, b, d in G.edges(data=True) if a in keep and b in keep)
    return H


# Nodes a focus view shows but does not walk through: an outcome, directorate or topic links
# to a large share of the network (SO2 and the GET directorate to 130-150 nodes each), so a
# second hop through one brings in everything else in it rather than what is near the focus.
NOT_WALKED = {"SharedOutcome", "Directorate", "Topic"}
NOT_WALKED_TEXT = "outcome, directorate and topic nodes are not walked through"


def walk(G: nx.Graph, starts, hops: int) -> set[str]:
    """The nodes within `hops` links of `starts`, walking on from a node only if it is a
    start or not an outcome, directorate or topic (NOT_WALKED): those are reached and kept,
    but the walk does not go on through them. A focus on SO2 shows what links to SO2; a
    2-hop focus on Community Wardens shows its directorate but not everything it does."""
    start = set(starts)
    seen, frontier = set(start), list(start)
    for _ in range(hops):
        step = []
        for v in frontier:
            if v not in start and G.nodes[v]["class"] in NOT_WALKED:
                continue
            for w in G[v]:
                if w not in seen:
                    seen.add(w)
                    step.append(w)
        frontier = step
    return seen


OUTCOME = re.compile(r"^\s*S\s*[O0]\s*(\d)\s*$", re.I)  # SO3, so 3, S03 (an OCR slip)


def _outcome_code(text: str) -> str:
    m = OUTCOME.match(text)
    return f"SO{m.group(1)}" if m else text.strip().upper()


def _named(d: dict) -> str:
    return f"{d['code']} {d['label']}" if d["class"] == "SharedOutcome" else d["label"]


def _suggestions(G: nx.Graph, text: str, n: int = 5) -> list[str]:
    """Labels with a run of words close to text (typos: 'wardns' -> Community Wardens)."""
    q = text.casefold().split()
    scored = []
    for label in {d["label"] for _, d in G.nodes(data=True)}:
        words = label.casefold().split()
        runs = [" ".join(words[i:i + len(q)]) for i in range(max(1, len(words) - len(q) + 1))]
        score = max(difflib.SequenceMatcher(None, " ".join(q), r).ratio() for r in runs)
        if score >= 0.8:
            scored.append((-score, label))
    return [label for _, label in sorted(scored)[:n]]


# --- layout and page ------------------------------------------------------------------------

UNIT = 60  # pixels per unit of layout distance (1 unit = the ideal gap between linked nodes)
MAX_UNIT = 170  # a small graph is spread up to this many pixels per unit...
ROOM = (1150.0, 720.0)  # ...to fill about this much of the page at zoom 1 (where fitting stops)


def layout(G: nx.Graph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Deterministic positions in vis-network pixels. Each connected component gets a
    force-directed layout (_force_layout); the largest sits on top and the others (often
    single nodes nothing links to: worth seeing) are packed in rows beneath it.

    A big graph gets UNIT pixels per unit; a small one (a focus view) is spread further, up
    to MAX_UNIT, so that it fills about ROOM at zoom 1 and its labels have room."""
    import numpy as np
    rng = np.random.default_rng(seed)
    units, x, y, row_h, width = {}, 0.0, 0.0, 0.0, None
    for comp in sorted((sorted(c) for c in nx.connected_components(G)), key=lambda c: (-len(c), c[0])):
        index = {v: i for i, v in enumerate(comp)}
        # G.edges(comp), not G.subgraph(comp).edges(): the latter's order can follow a set's
        edges = np.array([(index[a], index[b]) for a, b in G.edges(comp)], dtype=np.int64).reshape(-1, 2)
        P = _force_layout(len(comp), edges, rng)
        P -= P.min(0)
        w, h = P.max(0)
        if width is None:
            width, offset, y = max(w, 12.0), (0.0, 0.0), h + 3.0
        else:
            if x + w > width:
                x, y, row_h = 0.0, y + row_h + 1.5, 0.0
            offset, x, row_h = (x, y), x + w + 1.5, max(row_h, h)
        for v, (px, py) in zip(comp, P):
            units[v] = (float(px + offset[0]), float(py + offset[1]))
    if not units:
        return {}
    # each axis on its own: labels are wide, so widening a square layout makes room for them
    ux, uy = (min(MAX_UNIT, max(UNIT, room / (max(p[k] for p in units.values()) or 1.0)))
              for k, room in enumerate(ROOM))
    return {v: (round(px * ux, 1), round(py * uy, 1)) for v, (px, py) in units.items()}


def _force_layout(n: int, edges, rng, iterations: int = 100):
    """Fruchterman-Reingold (ideal distance 1: attraction d^2, repulsion 1/d) in numpy, made
    fast with a grid: repulsion is exact between nodes closer than 2 and comes from the
    centroids of grid cells beyond the neighbouring ones (O(n^1.5) per step, not O(n^2);
    networkx's spring_layout took 7-10 s on the Kent graph, this well under 1 s). A final
    collision pass pushes apart nodes closer than 1: FR heaps the leaves of big hubs."""
    import numpy as np
    side = math.sqrt(n)
    P = rng.uniform(-side / 2, side / 2, (n, 2))
    if n < 2:
        return P * 0
    size = max(2.0, (n / 12.6) ** 0.25)  # cell size that balances near and far work
    for step in range(iterations):
        cell = ((P - P.min(0)) / size).astype(np.int64)
        ncy = int(cell[:, 1].max()) + 1
        occupied, ci, mass = np.unique(cell[:, 0] * ncy + cell[:, 1], return_inverse=True, return_counts=True)
        centroid = np.stack([np.bincount(ci, P[:, k]) for k in range(2)], 1) / mass[:, None]
        cxy = np.stack([occupied // ncy, occupied % ncy], 1)
        far = np.abs(cxy[:, None, :] - cxy[None, :, :]).max(2) > 1  # cell x cell
        dx, dy = P[:, 0, None] - centroid[None, :, 0], P[:, 1, None] - centroid[None, :, 1]
        w = far[ci] * mass[None, :] / (dx * dx + dy * dy + 1e-9)
        F = np.stack([(w * dx).sum(1), (w * dy).sum(1)], 1)
        fine = ((P - P.min(0)) / 2.0).astype(np.int64)
        i, j, d, d2 = _near_pairs(P, fine, int(fine[:, 1].max()) + 1, 2.0)
        F += _sum_pair_forces(n, i, j, d / (d2 + 1e-4)[:, None])
        if len(edges):
            d = P[edges[:, 1]] - P[edges[:, 0]]
            F += _sum_pair_forces(n, edges[:, 0], edges[:, 1], d * np.sqrt((d * d).sum(1))[:, None])
        temperature = max(side / 8 * (1 - step / iterations), 0.05)
        length = np.sqrt((F * F).sum(1)) + 1e-9
        P += F * (np.minimum(length, temperature) / length)[:, None]
    for _ in range(30):
        cell = (P - P.min(0)).astype(np.int64)
        i, j, d, d2 = _near_pairs(P, cell, int(cell[:, 1].max()) + 1, 1.0)
        if not len(i):
            break
        dist = np.sqrt(d2) + 1e-6
        P += 0.25 * _sum_pair_forces(n, i, j, d * ((1.0 - dist) / dist)[:, None])
    return P - P.mean(0)


def _near_pairs(P, cell, ncy: int, radius: float):
    """Pairs (i, j), their offsets P[i]-P[j] and squared distances, of points closer than
    radius: looked for in each point's grid cell and the adjacent ones (cells of side radius)."""
    import numpy as np
    n = len(P)
    cid = cell[:, 0] * ncy + cell[:, 1]
    order = np.argsort(cid, kind="stable")
    sorted_cid = cid[order]
    ii, jj = [], []
    for ox, oy in ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1)):  # each neighbouring pair of cells once
        ty = cell[:, 1] + oy
        ok = (ty >= 0) & (ty < ncy)
        target = np.where(ok, (cell[:, 0] + ox) * ncy + ty, -1)
        lo = np.searchsorted(sorted_cid, target, "left")
        count = np.where(ok, np.searchsorted(sorted_cid, target, "right") - lo, 0)
        i = np.repeat(np.arange(n), count)
        j = order[np.arange(count.sum()) + np.repeat(lo - (np.cumsum(count) - count), count)]
        keep = i < j if (ox, oy) == (0, 0) else slice(None)
        ii.append(i[keep])
        jj.append(j[keep])
    i, j = np.concatenate(ii), np.concatenate(jj)
    d = P[i] - P[j]
    d2 = (d * d).sum(1)
    close = d2 < radius * radius
    return i[close], j[close], d[close], d2[close]


def _sum_pair_forces(n: int, i, j, f):
    """Apply force f[k] to point i[k] and -f[k] to point j[k]; total per point."""
    import numpy as np
    return np.stack([np.bincount(i, f[:, k], n) - np.bincount(j, f[:, k], n) for k in range(2)], 1)


def _tooltip(d: dict) -> str:
    """Plain text (vis-network 9 shows a string title as text, never as HTML)."""
    lines = [d["display"], d["class_label"] + (f" {d['code']}" if d["code"] else "")]
    if d["status"]:
        lines.append(f"Latest status: {d['status']}" + (f" ({d['status_period']})" if d["status_period"] else ""))
    if d["directorates"]:
        lines.append("Directorate: " + ", ".join(d["directorates"]))
    if d["outcomes"]:
        lines.append("Outcomes: " + ", ".join(d["outcomes"]))
    if d["source"]:
        lines.append("Source: " + _where(d))
    return "\n".join(lines)


def _where(d: dict) -> str:
    if d["pages"]:
        return f"{d['source']}, page{'s' if len(d['pages']) > 1 else ''} {', '.join(map(str, d['pages']))}"
    if d["lines"]:
        return f"{d['source']}, line{'s' if len(d['lines']) > 1 else ''} {', '.join(map(str, d['lines']))}"
    return d["source"]


def _node_size(degree: int) -> float:
    return round(7 + 4 * math.sqrt(degree), 1)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


OVERVIEW_CLASSES = ("SharedOutcome", "Priority", "Directorate")
COLUMN = 215  # overview: canvas pixels between outcome columns


def overview(G: nx.Graph) -> dict | None:
    """The view the whole map opens on: the shared outcomes in a row, each with its priorities
    beneath it, and the directorates in a row above, linked to the outcomes they work
    towards; each node named with its count of commitments and actions (what clicking it
    opens). Positions are fixed here, spaced so every name fits at 13 pixels when the view
    fills a 1,000-pixel-wide map (the page wraps each name to the room its column has at the
    zoom the window allows). None when the graph has no outcomes."""
    outcomes = sorted((n for n, d in G.nodes(data=True) if d["class"] == "SharedOutcome"),
                      key=lambda n: G.nodes[n]["code"])
    if not outcomes:
        return None
    directorates = sorted((n for n, d in G.nodes(data=True) if d["class"] == "Directorate"),
                          key=lambda n: G.nodes[n]["label"])

    def members(cls, pred):
        return sum(1 for _, d in G.nodes(data=True) if d["class"] == cls and pred(d))

    def counts_line(pred):
        c, a = members("Commitment", pred), members("Action", pred)
        return f"{_plural(c, 'commitment')} · {_plural(a, 'action')}"

    nodes, edges = [], []
    width = COLUMN * (len(outcomes) - 1)
    for i, o in enumerate(outcomes):
        d, x = G.nodes[o], i * COLUMN
        code = d["code"]
        nodes.append({"id": o, "x": x, "y": 0, "text": f"{code} {d['label']}",
                      "count": counts_line(lambda m: code in m["outcomes"]),
                      "weight": members("Commitment", lambda m: code in m["outcomes"])
                      + members("Action", lambda m: code in m["outcomes"])})
        pri = sorted((m for m in G[o] if G.nodes[m]["class"] == "Priority"), key=lambda m: (G.nodes[m]["code"], m))
        for j, p in enumerate(pri):
            pd = G.nodes[p]
            n_c = sum(1 for m in G[p] if G.nodes[m]["class"] == "Commitment")
            n_a = sum(1 for m in G[p] if G.nodes[m]["class"] == "Action")
            nodes.append({"id": p, "x": x, "y": 150 + 118 * j, "text": pd["label"],
                          "count": _plural(n_c, "commitment") + (f" · {_plural(n_a, 'action')}" if n_a else ""),
                          "weight": n_c + n_a})
            edges.append({"from": o, "to": p, "width": 1.5})
    step = width / max(1, len(directorates) - 1) if len(directorates) > 1 else 0
    for i, r in enumerate(directorates):
        d = G.nodes[r]
        label = d["label"]
        # two staggered rows, so neighbours' names have a whole column's room
        nodes.append({"id": r, "x": round(i * step, 1), "y": -300 if i % 2 == 0 else -190,
                      "text": label,
                      "count": counts_line(lambda m: label in m["directorates"]),
                      "weight": members("Commitment", lambda m: label in m["directorates"])
                      + members("Action", lambda m: label in m["directorates"])})
        for o in outcomes:
            code = G.nodes[o]["code"]
            k = sum(1 for _, m in G.nodes(data=True)
                    if m["class"] in ("Commitment", "Action") and label in m["directorates"] and code in m["outcomes"])
            if k:
                edges.append({"from": r, "to": o, "width": round(0.5 + math.sqrt(k) / 2, 2),
                              "title": f"{label} and {code}: {_plural(k, 'commitment or action')}"})
    return {"nodes": nodes, "edges": edges, "column": COLUMN}


def _vis_data(G: nx.Graph, pos: dict, focus=()) -> tuple[list, list, dict]:
    """vis-network nodes, edges and options, assembled with pyvis. No node carries a label:
    the page writes names itself, at a fixed size on screen, where they fit (see the
    template). The focus nodes get a dark ring; an action with a progress return a ring in
    its status colour (the status is also in words: tooltip, panel, status filter)."""
    from pyvis.network import Network
    # directed=True only skips pyvis's quadratic duplicate-edge scan (G has no duplicates);
    # the "arrows" it would add to each edge are dropped.
    net = Network(directed=True)
    degree = dict(G.degree())
    for n, d in G.nodes(data=True):
        _, _, colour, shape, _ = CLASS_STYLE[d["class"]]
        extra = {}
        if n in focus:
            ring = {"background": colour, "border": "#111111"}
            colour, extra = {**ring, "highlight": ring, "hover": ring}, {"borderWidth": 3}
        elif d["status_colour"]:
            ring = {"background": colour, "border": d["status_colour"]}
            colour, extra = {**ring, "highlight": ring, "hover": ring}, {"borderWidth": 4}
        net.add_node(n, label=" ", title=_tooltip(d), shape=shape, color=colour,
                     size=_node_size(degree[n]), x=pos[n][0], y=pos[n][1], **extra)
    for node in net.nodes:
        del node["label"]
    net.node_ids = set(net.node_ids)  # pyvis checks membership per edge: a set keeps that O(1)
    for i, (a, b, rel) in enumerate(G.edges(data="relation")):
        net.add_edge(a, b, id=f"e{i}", title=rel, arrows="")
    for e in net.edges:
        del e["arrows"]
    net.toggle_physics(False)
    net.toggle_hide_edges_on_drag(True)
    net.options.edges.smooth.enabled = False
    options = json.loads(net.options.to_json())
    options["edges"].update(color={"color": "#b8c0cc", "highlight": "#333333", "inherit": False},
                            width=0.8, selectionWidth=2)
    options["nodes"] = {"borderWidth": 1}
    options["interaction"].update(hover=True, tooltipDelay=150, hideEdgesOnZoom=True, multiselect=True)
    options["layout"] = {"improvedLayout": False}
    return net.nodes, net.edges, options


def _vis_assets() -> tuple[str, str]:
    """vis-network's standalone JS and CSS as shipped in the pyvis package."""
    import pyvis
    lib = Path(pyvis.__file__).parent / "lib"
    folder = max(lib.glob("vis-*"), key=lambda p: tuple(int(x) for x in p.name[4:].split(".")))
    js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    css = (folder / "vis-network.css").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)  # no reference to a file we do not ship
    # No web address in the page: the licence notes and an error message name their pages
    # without the scheme (the words stay). The one left is the SVG namespace, an XML name that
    # createElementNS needs as written, never fetched.
    js = re.sub(r"https?://(?!www\.w3\.org/2000/svg\b)", "", js)
    css = re.sub(r"https?://", "", css)
    for text in (js, css):
        if re.search(r"</(script|style)|<!--", text, re.I):
            raise RuntimeError(f"{folder} cannot be inlined: it contains a closing tag")
    return js, css


def _json_for_script(obj) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' survives, so
    no '</script>' or '<!--' can end or alter the block."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_page(G: nx.Graph, pos: dict, scope: dict | None = None, title: str = "icsgraph network") -> str:
    """The HTML page for the (already selected) projection G laid out at pos. The whole map
    (no scope) opens on the overview; a focus page on its focus."""
    scope = scope or {}
    nodes, edges, options = _vis_data(G, pos, scope.get("focus_ids", ()))
    meta = {n: {"label": d["label"], "display": d["display"], "short": d["short_label"], "cls": d["class"],
                "code": d["code"], "alt": d["alt_labels"],
                "dirs": d["directorates"], "outcomes": d["outcomes"], "topics": d["topics"],
                "tf": d["topic_filter"], "where": _where(d), "facts": d["facts"],
                **({"status": d["status"], "statusColour": d["status_colour"], "period": d["status_period"]}
                   if d["status"] else {})}
            for n, d in G.nodes(data=True)}
    counts = Counter(d["class"] for _, d in G.nodes(data=True))
    classes = [{"name": c, "label": lab, "color": col, "glyph": glyph, "count": counts[c]}
               for c, lab, col, _, glyph in CLASSES if counts[c]]
    outcome_names = sorted({(d["code"], d["label"]) for _, d in G.nodes(data=True) if d["class"] == "SharedOutcome"})
    known = {code for code, _ in outcome_names}
    outcome_names += [(c, "") for c in sorted({c for _, d in G.nodes(data=True) for c in d["outcomes"]} - known)]
    # in the scheme's order (icsg:order: not started, on track, at risk, ...), else by name
    statuses = sorted({(d.get("status_rank", 99), d["status"], d["status_colour"], d.get("status_notation", ""))
                       for _, d in G.nodes(data=True) if d["status"]})
    data = {"title": title, "scope": _scope_text(scope), "nodes": nodes, "edges": edges,
            "options": options, "meta": meta, "classes": classes,
            "outcomes": [{"code": c, "label": lab} for c, lab in outcome_names],
            "statuses": [{"label": lab, "color": col, "notation": notation} for _, lab, col, notation in statuses],
            "overview": None if scope else overview(G),
            "focus": scope.get("focus_ids", []), "hops": scope.get("hops", 1),
            "notWalked": sorted(NOT_WALKED)}
    vis_js, vis_css = _vis_assets()
    template = resources.files("icsgraph").joinpath("templates/network.html").read_text(encoding="utf-8")
    parts = {"VIS_CSS": vis_css, "VIS_JS": vis_js, "DATA": _json_for_script(data)}
    # one pass, so text put in is never scanned for further placeholders
    html = re.sub(r"\{\{(VIS_CSS|VIS_JS|DATA)\}\}", lambda m: parts[m.group(1)], template)
    # Content-Security-Policy: only these exact scripts run (no injected script or inline
    # handler could), and nothing is fetched (default-src 'none'; images only data:).
    hashes = " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode()
                      for s in re.findall(r"<script>(.*?)</script>", html, flags=re.S))
    return html.replace("{{SCRIPT_HASHES}}", hashes, 1)


def _scope_text(scope: dict) -> str:
    parts = []
    if scope.get("outcome"):
        parts.append(f"outcome {scope['outcome']}")
    if scope.get("directorate"):
        parts.append(f"directorate {scope['directorate']}")
    if scope.get("focus"):
        parts.append(f"within {scope['hops']} link{'s' if scope['hops'] != 1 else ''} of "
                     + "; ".join(scope["focus"]))
    text = ("Showing " + ", ".join(parts)) if parts else "Whole network"
    if scope.get("focus") and scope["hops"] >= 2:  # with 0 or 1 hop the rule changes nothing
        text += "; " + NOT_WALKED_TEXT
    return text


def _graphml_ready(G: nx.Graph, pos: dict) -> nx.Graph:
    """A copy with list attributes as '; '-joined text (GraphML holds scalars) and x, y."""
    H = nx.Graph()
    for n, d in G.nodes(data=True):
        flat = {k: ("; ".join(": ".join(v) if isinstance(v, list) else str(v) for v in val)
                    if isinstance(val, list) else val) for k, val in d.items()}
        H.add_node(n, **flat, x=pos[n][0], y=pos[n][1])
    H.add_edges_from(G.edges(data=True))
    return H


def write_page(graph, out_path, focus: str | None = None, hops: int = 1, outcome: str | None = None,
               directorate: str | None = None) -> dict:
    """Write the network page to out_path and the projection to out_path with .graphml;
    return counts. `graph` is the built rdflib graph (or an already projected networkx graph).
    Raises VizError (a ValueError) when focus, outcome or directorate name nothing."""
    G = graph if isinstance(graph, nx.Graph) else project(graph)
    out_path = Path(out_path)
    if out_path.is_dir():  # a folder: the page's own name in it (see page_name)
        out_path = out_path / page_name(G, focus, hops, outcome, directorate)
    G, scope = select(G, focus, hops, outcome, directorate)
    pos = layout(G)
    write_atomically(out_path, render_page(G, pos, scope))
    graphml = out_path.with_suffix(".graphml")
    write_atomically(graphml, "\n".join(nx.generate_graphml(_graphml_ready(G, pos))) + "\n")
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "page": str(out_path),
            "graphml": str(graphml), "classes": dict(Counter(d["class"] for _, d in G.nodes(data=True))),
            "scope": _scope_text(scope), "focus": scope.get("focus", [])}


def page_name(G: nx.Graph | None = None, focus: str | None = None, hops: int = 1, outcome: str | None = None,
              directorate: str | None = None) -> str:
    """The file a focus or slice page is written to when --out does not say: network.html for
    the whole map; otherwise network-<what>.html, named after the focus node's id when the
    focus names one node (network-m-community-wardens.html whether asked for "Community
    Wardens" or "community wardens"), else after the words asked for; then the slices and
    the hops when not 1 (network-loneliness-2-hops.html, network-so3-get.html). So a focus
    view never overwrites the whole map, nor another focus."""
    parts = []
    if focus is not None:
        ids = find_nodes(G, _outcome_code(focus) if OUTCOME.match(focus) else focus) if G is not None else []
        parts.append(ids[0].split("/", 1)[-1] if len(ids) == 1 else focus)
    if outcome:
        parts.append(_outcome_code(outcome))
    if directorate:
        parts.append(directorate)
    if focus is not None and hops != 1:
        parts.append(f"{hops}-hops")
    if not parts:
        return "network.html"
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).casefold()).strip("-")[:80].strip("-") or "focus"
    return f"network-{slug}.html"


def load_remote_graph(endpoint: str, graph_iri: str | None = None, page_size: int = 5000,
                      timeout: float | None = None) -> Graph:
    """Every triple of the named graph `graph_iri` on the SPARQL endpoint (DEFAULT_GRAPH when
    None, the endpoint's own default graph for "default": icsgraph.endpoint's rule, the same as
    `query --endpoint`), read with paged CONSTRUCT queries in a fixed order (servers cap the
    rows of one answer: Virtuoso at 10,000), into an rdflib Graph that is drawn exactly as the
    local one. Logins and failures as icsgraph.endpoint does them (EndpointError)."""
    import urllib.parse
    import urllib.request
    from .endpoint import EndpointError, _http, empty_graph_message, query_graph, shown
    graph = query_graph(graph_iri)
    g, offset = Graph(), 0
    while True:
        text = ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } "
                f"ORDER BY ?s ?p ?o LIMIT {int(page_size)} OFFSET {int(offset)} }} }}")
        form = [("query", text)] + ([("default-graph-uri", graph)] if graph else [])
        request = urllib.request.Request(
            endpoint, data=urllib.parse.urlencode(form).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                     "Accept": "text/turtle, application/n-triples;q=0.9"})
        _, body = _http(request, endpoint, "SPARQL endpoint", timeout)
        page = Graph()
        try:
            page.parse(data=body.decode("utf-8"), format="turtle")  # N-Triples is Turtle too
        except Exception:  # noqa: BLE001 - whatever the parser says, the answer was not RDF
            raise EndpointError(f"the SPARQL endpoint {shown(endpoint)} did not answer the CONSTRUCT query "
                                "with Turtle: is it a SPARQL query endpoint?") from None
        g += page
        if len(page) < page_size:
            break
        offset += page_size
    if not len(g):
        raise EndpointError(empty_graph_message(endpoint, graph_iri))
    return g
