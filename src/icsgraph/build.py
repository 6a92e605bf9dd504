"""Tables -> graph: turn the curated tables into RDF and write build/graph.ttl.

Each table's mapping is declared beside its columns in tables.TABLES; `tables_to_graph` is
one loop over those declarations, with the few named exceptions in RULES. The graph holds the data nodes, the ontology (so SHACL and queries see class hierarchy)
and the SKOS topic scheme. Node IRIs come from table ids (namespaces.node). Output is
written atomically and deterministically: the same tables give byte-identical Turtle.
"""
from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from .namespaces import ICSG, ID, PREFIXES, node, topic
from .monitoring import RULES as MONITORING_RULES
from .tables import TABLES, Column, Row, Table, read_tables

KCC_STRATEGY = "km-ics"


def load_ontology(ontology_dir: Path) -> tuple[Graph, Graph]:
    """The OWL ontology and the SKOS topic scheme."""
    onto = Graph().parse(Path(ontology_dir) / "icsgraph.ttl")
    topics = Graph().parse(Path(ontology_dir) / "topics.ttl")
    return onto, topics


def topic_ids(topics: Graph) -> set[str]:
    prefix = str(topic(""))
    return {str(s)[len(prefix):] for s in topics.subjects(RDF.type, SKOS.Concept)
            if str(s).startswith(prefix)}


def topic_names(topics: Graph) -> dict[str, list[str]]:
    """{topic id: [preferred label, alternative labels…]}: a table may name a topic by any."""
    prefix = str(topic(""))
    out = {}
    for t in sorted(topic_ids(topics)):
        s = topic(t)
        out[t] = sorted(str(o) for o in topics.objects(s, SKOS.prefLabel)) + \
            sorted(str(o) for o in topics.objects(s, SKOS.altLabel))
    return out


def _literal(col: Column, value):
    if col.template:
        value = col.template.format(value)
    if col.datatype == "en":
        return Literal(value, lang="en")
    if col.datatype in (None, "string"):
        return Literal(value)
    return Literal(value, datatype=DATATYPES[col.datatype])


DATATYPES = {"date": XSD.date, "decimal": XSD.decimal, "integer": XSD.integer}


def value_term(col: Column, value):
    """The RDF term one cell value becomes, as the column declares it."""
    if col.values is not None:
        return col.values[value]
    if col.link == "topic":
        return topic(value)
    if col.link:
        return node(col.link, slug(value) if col.slug else value)
    return _literal(col, value)


def subject_of(table: Table, row: Row) -> URIRef:
    """The row's node: `id/` + the table's `about` template filled from the row."""
    def fill(m):
        name, _, fmt = m.group(1).partition("|")
        value = str(row.values[name])
        return slug(value) if fmt == "slug" else value
    return ID[re.sub(r"\{([^}]+)\}", fill, table.about)]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Named exceptions: what a column declaration cannot say. Each gets
# (graph, subject, row, column, tables) and adds triples.
def _partner_of_strategy(g, s, row, col, tables):
    """A partner organisation is a (statutory) partner of the Kent and Medway strategy."""
    if row.get("role"):
        g.add((s, ICSG.statutoryPartnerOf if row["role"] == "statutory-partner" else ICSG.partnerOf,
               node("strategy", KCC_STRATEGY)))


def _else_about_strategy(g, s, row, col, tables):
    """A voice under no outcome was said of the strategy as a whole."""
    if not row.get("outcome"):
        g.add((s, ICSG.aboutStrategy, node("strategy", KCC_STRATEGY)))


def _mechanism_label(tables, ident):
    return next(r["label"] for r in tables["mechanisms"] if r["id"] == ident)


def _hidden_label_of_mechanism(g, s, row, col, tables):
    """The exact source wording of a mechanism: searchable, but not shown as another name."""
    written = row.get("as_written")
    if written and written != _mechanism_label(tables, row["mechanism"]):
        g.add((node("mechanism", row["mechanism"]), SKOS.hiddenLabel, Literal(written, lang="en")))


def _label_else_mechanism_label(g, s, row, col, tables):
    """A service involvement is labelled as written, else by the mechanism's label."""
    g.add((s, RDFS.label, Literal(row.get("as_written") or _mechanism_label(tables, row["mechanism"]),
                                  lang="en")))


def _officer_agent(g, s, row, col, tables):
    """The officer who entered a row is a PROV agent, labelled as the row names them."""
    if row.get("entered_by"):
        agent = node("officer", slug(row["entered_by"]))
        g.add((agent, RDF.type, PROV.Agent))
        g.add((agent, RDFS.label, Literal(row["entered_by"], lang="en")))


RULES = {
    "officer-agent": _officer_agent,
    "partner-of-strategy": _partner_of_strategy,
    "else-about-strategy": _else_about_strategy,
    "hidden-label-of-mechanism": _hidden_label_of_mechanism,
    "label-else-mechanism-label": _label_else_mechanism_label,
    **MONITORING_RULES,
}


def row_triples(g: Graph, table: Table, row: Row, tables: dict[str, list[Row]]) -> None:
    """Add one row's triples, as its table's declaration says."""
    s = subject_of(table, row)
    for v in table.virtual:
        g.add((s, v.prop, v.value))
    for col in table.columns:
        value = row.values.get(col.name)
        if value not in (None, "", []) and (col.props or col.inverse is not None):
            skip = row.values.get(col.unless_same_as) if col.unless_same_as else None
            for item in value if isinstance(value, list) else [value]:
                if skip is not None and item == skip:
                    continue
                o = value_term(col, item)
                for p in col.props:
                    g.add((s, p, o))
                if col.inverse is not None:
                    g.add((o, col.inverse, s))
        for name in col.rules:
            RULES[name](g, s, row, col, tables)


def tables_to_graph(tables: dict[str, list[Row]]) -> Graph:
    """The data graph of the tables (no ontology): one loop over the declarations."""
    g = Graph()
    for table in TABLES:
        for row in tables.get(table.name, []):
            row_triples(g, table, row, tables)
    return g


def build_graph(data_dir: Path, ontology_dir: Path, notes: list[str] | None = None) -> Graph:
    """Read and check the tables; return data + ontology + topic scheme as one graph.
    `notes` (a list) gets what the build should tell the officer (e.g. encodings read)."""
    onto, topics = load_ontology(ontology_dir)
    tables = read_tables(Path(data_dir), topic_names(topics), notes)
    g = tables_to_graph(tables)
    g += Graph().parse(Path(ontology_dir) / "status.ttl")  # the progress status scheme
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


def build(data_dir: Path, ontology_dir: Path, out: Path, notes: list[str] | None = None) -> Graph:
    """Build the graph from the tables and write it to `out` (build/graph.ttl); nothing is
    written when a table has a mistake, so the previous graph stays as it was."""
    g = build_graph(data_dir, ontology_dir, notes)
    write_atomically(out, to_turtle(g))
    return g
