"""OWL reasoning with owlready2 and HermiT: check the graph is consistent and materialise
what the ontology implies, above all the property chain

    mechanism helpsDeliver commitment, commitment underPriority priority,
    priority priorityOf outcome  =>  mechanism contributesToOutcome outcome

into build/inferred.ttl (only the new triples about data nodes, sorted: deterministic).
HermiT needs Java; Pellet does not run on Java 17 (see PRODUCT.md's known traps).
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .namespaces import ID, PREFIXES


class ReasoningError(ValueError):
    """The graph is inconsistent, or the reasoner could not run."""


def _reasoning_input(graph: Graph) -> Graph:
    """What HermiT needs: the ontology and the links between nodes. Literal values of data
    nodes are left out: they take no part in the inferences, and HermiT rejects xsd:date."""
    g = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and str(s).startswith(str(ID)):
            continue
        if o == XSD.date:
            continue
        g.add((s, p, o))
    return g


def infer(graph: Graph) -> Graph:
    """The triples HermiT infers about data nodes that `graph` does not already hold."""
    import owlready2
    if shutil.which("java") is None:
        raise ReasoningError("the HermiT reasoner needs Java: install a Java runtime (e.g. apt-get install default-jre-headless)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.nt"
        _reasoning_input(graph).serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            raise ReasoningError("the graph is inconsistent with the ontology (for example a node that is both "
                                 "a commitment and an action): run 'icsgraph validate' to find it") from None
        except Exception as e:  # the JVM failing to start, etc.
            raise ReasoningError(f"the reasoner failed: {e}") from None
        reasoned = world.as_rdflib_graph()
        inferred = Graph(bind_namespaces="none")
        for s, p, o in reasoned:
            if not (isinstance(s, URIRef) and str(s).startswith(str(ID))):
                continue
            if isinstance(o, URIRef) and (s, p, o) not in graph:
                inferred.add((s, p, o))
    for prefix, ns in PREFIXES.items():
        inferred.bind(prefix, ns)
    return inferred


def reason(graph_path: Path, out: Path) -> Graph:
    from .build import to_turtle, write_atomically
    graph = Graph().parse(graph_path)
    inferred = infer(graph)
    write_atomically(out, to_turtle(inferred))
    return inferred
