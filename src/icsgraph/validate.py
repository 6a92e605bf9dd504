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
