"""SHACL validation of the built graph (pySHACL), with a report an officer can read."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from .namespaces import SH


@dataclass
class Problem:
    focus: str        # the node's label (or IRI)
    focus_iri: str
    path: str
    message: str
    severity: str


def validate_graph(data: Graph, shapes_path: Path) -> tuple[bool, list[Problem]]:
    from pyshacl import validate
    shapes = Graph().parse(shapes_path)
    conforms, report, _ = validate(data, shacl_graph=shapes, inference="rdfs",
                                   advanced=False, allow_warnings=True)
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        label = data.value(focus, RDFS.label) if isinstance(focus, URIRef) else None
        path = report.value(result, SH.resultPath)
        problems.append(Problem(
            focus=str(label or focus), focus_iri=str(focus),
            path=data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else str(path or ""),
            message=str(report.value(result, SH.resultMessage) or ""),
            severity=str(report.value(result, SH.resultSeverity) or "").rsplit("#", 1)[-1]))
    problems.sort(key=lambda p: (p.focus_iri, p.path, p.message))
    return bool(conforms), problems


def format_report(conforms: bool, problems: list[Problem]) -> str:
    if conforms:
        return "The graph conforms to ontology/shapes.ttl: no problems found."
    lines = [f"{len(problems)} problem(s) found:"]
    for p in problems:
        lines.append(f"- {p.focus} <{p.focus_iri}>: {p.path}: {p.message} [{p.severity}]")
    return "\n".join(lines)


def check_tables(data_dir: Path, ontology_dir: Path) -> str:
    """Read and check every table under data_dir as the build does (cells, links, names,
    provenance, and each cited line against data/sources/) without writing anything.
    Raises TableError (file, row, column) on the first mistake; else says what was checked."""
    from .build import load_ontology, topic_names
    from .tables import read_tables
    _, topics = load_ontology(ontology_dir)
    notes: list[str] = []
    tables = read_tables(Path(data_dir), topic_names(topics), notes)
    rows = sum(len(r) for r in tables.values())
    cited = sum(len(r.get("line", [])) for rs in tables.values() for r in rs if r.get("source"))
    entered = sum(1 for rs in tables.values() for r in rs if r.get("entered_by"))
    unchecked = [n for n in notes if n.startswith("citations of")]
    text = (f"The tables read and check: {rows} rows; {cited} cited lines"
            + (" (some not checked)" if unchecked else " checked against data/sources/")
            + f"; {entered} officer's entr{'y' if entered == 1 else 'ies'}.")
    return "\n".join([text, *notes])


def stale_tables(data_dir: Path, graph_path: Path) -> list[str]:
    """Tables changed since the graph was built (by modification time)."""
    built = Path(graph_path).stat().st_mtime
    return sorted(p.name for p in Path(data_dir).glob("*.csv") if p.stat().st_mtime > built)
