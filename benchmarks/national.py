"""A national picture: Kent's graph as 1, 10 or 100 integrated care systems.

    python benchmarks/national.py --scale 100 [--graph build/graph.ttl] [--out benchmarks/out]

System 1 is Kent's graph as built. Systems 2..N are copies of every node under
https://w3id.org/icsgraph/id/ (strategy, outcomes, priorities, directorates, commitments,
mechanisms, actions, indicators, documents...) with their IRIs moved to
https://w3id.org/icsgraph/id/ics{k}/..., their names marked "(ICS k)" and their codes
"-k", so each system has its own strategy, outcomes, directorates and plan and a name
resolves to one node. The ontology and the topic scheme (https://w3id.org/icsgraph/topic/)
stay single and shared: a topic question is asked across every system.

Writes national-{N}.ttl (Turtle, like build/graph.ttl) and returns its path; a file already
there for the same source graph is reused.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
NODE = "https://w3id.org/icsgraph/id/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
NAMES = {RDFS_LABEL, SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel"}
CODE = "https://w3id.org/icsgraph/ontology#code"


def _moved(term, k: int):
    if isinstance(term, ox.NamedNode) and term.value.startswith(NODE):
        return ox.NamedNode(NODE + f"ics{k}/" + term.value[len(NODE):])
    if isinstance(term, ox.BlankNode):
        return ox.BlankNode(f"{term.value}x{k}")
    return term


def _is_data(term) -> bool:
    return isinstance(term, ox.BlankNode) or (isinstance(term, ox.NamedNode) and term.value.startswith(NODE))


def national_triples(kent: list[ox.Triple], systems: int):
    """Every triple of `systems` systems: Kent's as they are, then the copies."""
    yield from kent
    data = [t for t in kent if _is_data(t.subject)]
    for k in range(2, systems + 1):
        mark = f" (ICS {k})"
        for t in data:
            o = t.object
            if isinstance(o, ox.Literal) and t.predicate.value in NAMES:
                o = ox.Literal(o.value + mark, language=o.language) if o.language else ox.Literal(o.value + mark)
            elif isinstance(o, ox.Literal) and t.predicate.value == CODE:
                o = ox.Literal(f"{o.value}-{k}", datatype=o.datatype)
            else:
                o = _moved(o, k)
            yield ox.Triple(_moved(t.subject, k), t.predicate, o)


def generate(systems: int, graph: Path | None = None, out: Path | None = None, quiet: bool = False) -> Path:
    graph = Path(graph or ROOT / "build" / "graph.ttl")
    if not graph.exists():
        raise SystemExit(f"{graph} does not exist: run 'icsgraph build' first")
    out = Path(out or ROOT / "benchmarks" / "out")
    out.mkdir(parents=True, exist_ok=True)
    source = graph.read_bytes()
    stamp = hashlib.sha256(source).hexdigest()[:16]
    target = out / f"national-{systems}.ttl"
    marker = out / f"national-{systems}.source"
    if target.exists() and marker.exists() and marker.read_text() == stamp:
        return target
    started = time.perf_counter()
    kent = list(ox.parse(source, format=ox.RdfFormat.TURTLE))
    tmp = target.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        ox.serialize(national_triples(kent, systems), f, format=ox.RdfFormat.TURTLE,
                     prefixes={"icsg": "https://w3id.org/icsgraph/ontology#",
                               "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "skos": SKOS})
    tmp.replace(target)
    marker.write_text(stamp)
    count = len(kent) + (systems - 1) * sum(_is_data(t.subject) for t in kent)
    target.with_suffix(".count").write_text(str(count))
    if not quiet:
        print(f"wrote {target} ({systems} systems, {count:,} triples) in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="number of systems (1, 10, 100)")
    parser.add_argument("--graph", type=Path, default=None, help="Kent's graph (default build/graph.ttl)")
    parser.add_argument("--out", type=Path, default=None, help="folder (default benchmarks/out)")
    args = parser.parse_args()
    print(generate(args.scale, args.graph, args.out))
