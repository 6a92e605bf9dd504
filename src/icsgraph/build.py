"""Tables -> graph: turn the curated tables into RDF and write build/graph.ttl.

The graph holds the data nodes, the ontology (so SHACL and queries see class hierarchy)
and the SKOS topic scheme. Node IRIs come from table ids (namespaces.node). Output is
written atomically and deterministically: the same tables give byte-identical Turtle.
"""
from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from .namespaces import ICSG, ORG, PREFIXES, node, topic
from .tables import Row, read_tables

KCC_STRATEGY = "km-ics"
MECHANISM_CLASS = {"Plan": ICSG.Plan, "Service": ICSG.Service, "Programme": ICSG.Programme,
                   "Partnership": ICSG.Partnership, "Activity": ICSG.Activity}


def load_ontology(ontology_dir: Path) -> tuple[Graph, Graph]:
    """The OWL ontology and the SKOS topic scheme."""
    onto = Graph().parse(Path(ontology_dir) / "icsgraph.ttl")
    topics = Graph().parse(Path(ontology_dir) / "topics.ttl")
    return onto, topics


def topic_ids(topics: Graph) -> set[str]:
    prefix = str(topic(""))
    return {str(s)[len(prefix):] for s in topics.subjects(RDF.type, SKOS.Concept)
            if str(s).startswith(prefix)}


def _text(g, s, p, value, lang="en"):
    if value not in (None, ""):
        g.add((s, p, Literal(value, lang=lang) if lang else Literal(value)))


def _provenance(g, s, row: Row):
    if row.get("source"):
        g.add((s, DCTERMS.source, node("document", row["source"])))
    for page in row.get("page", []):
        g.add((s, ICSG.page, Literal(page, datatype=XSD.integer)))
    for line in row.get("line", []):
        g.add((s, ICSG.line, Literal(line, datatype=XSD.integer)))
    _text(g, s, ICSG.rawText, row.get("raw_text"), lang=None)
    _text(g, s, SKOS.editorialNote, row.get("note"))


def _labels(g, s, row: Row, label_column="label", alt_column="alt_labels"):
    g.add((s, RDFS.label, Literal(row[label_column], lang="en")))
    for alt in row.get(alt_column, []):
        if alt != row[label_column]:
            g.add((s, SKOS.altLabel, Literal(alt, lang="en")))


def _topics(g, s, row: Row):
    for t in row.get("topics", []):
        g.add((s, DCTERMS.subject, topic(t)))


def tables_to_graph(tables: dict[str, list[Row]]) -> Graph:
    """The data graph of the tables (no ontology)."""
    g = Graph()
    for row in tables["documents"]:
        s = node("document", row["id"])
        g.add((s, RDF.type, ICSG.SourceDocument))
        g.add((s, RDFS.label, Literal(row["title"], lang="en")))
        g.add((s, DCTERMS.title, Literal(row["title"], lang="en")))
        g.add((s, ICSG.file, Literal("data/sources/" + row["file"])))
        if row.get("publisher"):
            g.add((s, DCTERMS.publisher, node("organisation", row["publisher"])))
        if row.get("date"):
            g.add((s, DCTERMS.date, Literal(row["date"], datatype=XSD.date)))
        _text(g, s, SKOS.editorialNote, row.get("note"))

    for row in tables["strategies"]:
        s = node("strategy", row["id"])
        g.add((s, RDF.type, ICSG.Strategy if row["type"] == "Strategy" else ICSG.DeliveryPlan))
        _labels(g, s, row)
        _text(g, s, DCTERMS.description, row.get("description"))
        if row.get("delivers"):
            g.add((s, ICSG.delivers, node("strategy", row["delivers"])))
        _text(g, s, ICSG.decision, row.get("decision"), lang=None)
        if row.get("date"):
            g.add((s, DCTERMS.date, Literal(row["date"], datatype=XSD.date)))
        _provenance(g, s, row)

    # the strategy's parts: coded, labelled, described, linked up to their parent both ways
    parts = (("outcomes", "outcome", ICSG.SharedOutcome, "strategy", "strategy", ICSG.hasOutcome, ICSG.outcomeOf),
             ("priorities", "priority", ICSG.Priority, "outcome", "outcome", ICSG.hasPriority, ICSG.priorityOf),
             ("enablers", "enabler", ICSG.Enabler, "strategy", "strategy", ICSG.hasEnabler, None))
    for table, kind, cls, parent_column, parent_kind, down, up in parts:
        for row in tables[table]:
            s = node(kind, row["id"])
            parent = node(parent_kind, row[parent_column])
            g.add((s, RDF.type, cls))
            g.add((s, ICSG.code, Literal(row["id"])))
            _labels(g, s, row)
            _text(g, s, DCTERMS.description, row.get("description"))
            g.add((parent, down, s))
            if up is not None:
                g.add((s, up, parent))
            _provenance(g, s, row)

    for row in tables["organisations"]:
        s = node("organisation", row["id"])
        g.add((s, RDF.type, ICSG.Directorate if row["type"] == "Directorate" else ICSG.Organisation))
        _labels(g, s, row)
        if row.get("parent"):
            g.add((s, ORG.unitOf, node("organisation", row["parent"])))
        if row.get("role"):
            g.add((s, ICSG.role, Literal(row["role"])))
            g.add((s, ICSG.statutoryPartnerOf if row["role"] == "statutory-partner" else ICSG.partnerOf,
                   node("strategy", KCC_STRATEGY)))
        _provenance(g, s, row)

    for row in tables["indicators"]:
        s = node("indicator", row["id"])
        g.add((s, RDF.type, ICSG.Indicator))
        g.add((s, ICSG.code, Literal(row["id"])))
        _labels(g, s, row)
        _text(g, s, DCTERMS.description, row["text"])
        if row.get("outcome"):
            g.add((s, ICSG.indicatorOf, node("outcome", row["outcome"])))
            g.add((node("outcome", row["outcome"]), ICSG.hasIndicator, s))
        for column, prop in (("baseline_value", ICSG.baselineValue), ("target_value", ICSG.targetValue)):
            if row.get(column) is not None:
                g.add((s, prop, Literal(row[column], datatype=XSD.decimal)))
        for column, prop in (("unit", ICSG.unit), ("baseline_period", ICSG.baselinePeriod),
                             ("target_text", ICSG.targetText), ("target_year", ICSG.targetYear),
                             ("direction", ICSG.direction), ("geography", ICSG.geography),
                             ("status", ICSG.status)):
            _text(g, s, prop, row.get(column), lang=None)
        _topics(g, s, row)
        _provenance(g, s, row)

    for row in tables["voices"]:
        s = node("voice", row["id"])
        g.add((s, RDF.type, ICSG.WhatWeHeard if row["kind"] == "what-we-heard" else ICSG.IStatement))
        g.add((s, RDFS.label, Literal(row["text"], lang="en")))
        if row.get("outcome"):
            g.add((s, ICSG.aboutOutcome, node("outcome", row["outcome"])))
        else:  # said of the strategy as a whole
            g.add((s, ICSG.aboutStrategy, node("strategy", KCC_STRATEGY)))
        _provenance(g, s, row)

    for row in tables["mechanisms"]:
        s = node("mechanism", row["id"])
        g.add((s, RDF.type, MECHANISM_CLASS[row["type"]]))
        _labels(g, s, row, alt_column="aliases")
        if row.get("run_by"):
            g.add((s, ICSG.runBy, node("organisation", row["run_by"])))
        _text(g, s, DCTERMS.description, row.get("description"))
        _topics(g, s, row)
        _provenance(g, s, row)

    for row in tables["commitments"]:
        s = node("commitment", row["id"])
        g.add((s, RDF.type, ICSG.Commitment))
        g.add((s, ICSG.code, Literal(row["id"])))
        _labels(g, s, row)
        g.add((s, ICSG.madeBy, node("organisation", row["directorate"])))
        g.add((node("organisation", row["directorate"]), ICSG.madeCommitment, s))
        if row.get("priority"):
            g.add((s, ICSG.underPriority, node("priority", row["priority"])))
        g.add((s, ICSG.underOutcome, node("outcome", row["outcome"])))
        _topics(g, s, row)
        _provenance(g, s, row)

    labels = {r["id"]: r["label"] for r in tables["mechanisms"]}
    for row in tables["commitment_mechanisms"]:
        c, m = node("commitment", row["commitment"]), node("mechanism", row["mechanism"])
        g.add((c, ICSG.deliveredThrough, m))
        g.add((m, ICSG.helpsDeliver, c))
        if row["as_written"] != labels[row["mechanism"]]:
            # the exact source wording: searchable, but not shown as another name
            g.add((m, SKOS.hiddenLabel, Literal(row["as_written"], lang="en")))

    for row in tables["actions"]:
        s = node("action", row["id"])
        g.add((s, RDF.type, ICSG.Action))
        g.add((s, ICSG.code, Literal(row["id"])))
        g.add((s, RDFS.label, Literal(row["title"], lang="en")))
        _text(g, s, ICSG.title, row["title"])
        _text(g, s, DCTERMS.description, row["text"])
        g.add((s, ICSG.ownedBy, node("organisation", row["directorate"])))
        for column, prop in (("section", ICSG.section), ("lead", ICSG.leadRole),
                             ("timescale", ICSG.timescale), ("measure", ICSG.measure),
                             ("progress", ICSG.progress), ("outcomes_raw", ICSG.outcomeCodesAsWritten)):
            _text(g, s, prop, row.get(column), lang=None)
        if row.get("due_date"):
            g.add((s, ICSG.dueDate, Literal(row["due_date"], datatype=XSD.date)))
        for code in row.get("outcomes", []):
            g.add((s, ICSG.contributesTo, node("outcome", code)))
        if row.get("enabler"):
            g.add((s, ICSG.supportsEnabler, node("enabler", row["enabler"])))
        _topics(g, s, row)
        _provenance(g, s, row)

    for row in tables["action_services"]:
        s = node("service-involvement", row["id"])
        g.add((s, RDF.type, ICSG.ServiceInvolvement))
        g.add((s, RDFS.label, Literal(row.get("as_written") or labels[row["mechanism"]], lang="en")))
        g.add((s, ICSG.involvedService, node("mechanism", row["mechanism"])))
        for a in row.get("actions", []):
            g.add((s, ICSG.involvedIn, node("action", a)))
        for code in row.get("outcomes", []):
            g.add((s, ICSG.involvementOutcome, node("outcome", code)))
        _text(g, s, ICSG.section, row.get("section"), lang=None)
        _text(g, s, ICSG.outcomeCodesAsWritten, row.get("outcomes_raw"), lang=None)
        if row.get("as_written") and row["as_written"] != labels[row["mechanism"]]:
            g.add((node("mechanism", row["mechanism"]), SKOS.hiddenLabel, Literal(row["as_written"], lang="en")))
        _provenance(g, s, row)

    for row in tables["logframe"]:
        s = node("logframe-entry", row["id"])
        g.add((s, RDF.type, ICSG.LogframeEntry))
        g.add((s, ICSG.code, Literal(row["id"])))
        g.add((s, RDFS.label, Literal(row["text"], lang="en")))
        g.add((s, ICSG.trackedBy, node("organisation", row["directorate"])))
        g.add((node("organisation", row["directorate"]), ICSG.keepsLogframeEntry, s))
        g.add((s, ICSG.tracksIndicator, node("indicator", row["indicator"])))
        _text(g, s, ICSG.timescale, row.get("timescale"), lang=None)
        _text(g, s, ICSG.progress, row.get("progress"), lang=None)
        _provenance(g, s, row)
    return g


def build_graph(data_dir: Path, ontology_dir: Path) -> Graph:
    """Read and check the tables; return data + ontology + topic scheme as one graph."""
    onto, topics = load_ontology(ontology_dir)
    tables = read_tables(Path(data_dir), topic_ids(topics))
    g = tables_to_graph(tables)
    for t in topics.subjects(RDF.type, SKOS.Concept):
        g.add((t, RDF.type, ICSG.Topic))
    g += topics
    g += onto
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def to_turtle(g: Graph) -> str:
    """Deterministic Turtle: subjects, predicates and objects sorted, no blank-node labels
    that vary between runs (blank nodes of the ontology are written in canonical order)."""
    from rdflib.compare import to_canonical_graph
    canon = Graph(bind_namespaces="none")
    for triple in to_canonical_graph(g):
        canon.add(triple)
    for prefix, ns in PREFIXES.items():
        canon.bind(prefix, ns, override=True)
    return _sorted_turtle(canon)


def _sorted_turtle(g: Graph) -> str:
    nm = g.namespace_manager
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted((p, str(n)) for p, n in g.namespaces()
                                                          if p in PREFIXES)]
    lines.append("")
    def term(t):
        return t.n3(nm)
    by_subject = {}
    for s, p, o in g:
        by_subject.setdefault(s, {}).setdefault(p, set()).add(o)
    def key(t):
        return (0 if isinstance(t, URIRef) else 1, str(t))
    for s in sorted(by_subject, key=key):
        preds = by_subject[s]
        chunks = []
        for p in sorted(preds, key=lambda p: (p != RDF.type, str(p))):
            objs = sorted(preds[p], key=lambda o: (type(o).__name__, str(o), getattr(o, "language", "") or "",
                                                  str(getattr(o, "datatype", "") or "")))
            chunks.append(f"    {'a' if p == RDF.type else term(p)} " + " ,\n        ".join(term(o) for o in objs))
        lines.append(term(s) + "\n" + " ;\n".join(chunks) + " .\n")
    return "\n".join(lines)


def write_atomically(path: Path, text: str) -> None:
    """Write text to path via a temporary file and rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def count_classes(g: Graph) -> dict[str, int]:
    """Instances per icsgraph class (data nodes only)."""
    counts = Counter()
    for s, o in g.subject_objects(RDF.type):
        if isinstance(o, URIRef) and str(o).startswith(str(ICSG)) and str(s).startswith("https://w3id.org/icsgraph/id/"):
            counts[str(o)[len(str(ICSG)):]] += 1
    return dict(sorted(counts.items()))


def build(data_dir: Path, ontology_dir: Path, out: Path) -> Graph:
    """Build the graph from the tables and write it to `out` (build/graph.ttl)."""
    g = build_graph(data_dir, ontology_dir)
    write_atomically(out, to_turtle(g))
    return g
