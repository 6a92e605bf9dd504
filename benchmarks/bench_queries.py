"""Time every canned query on both engines at Kent size and at 10x; print a table.

    python benchmarks/bench_queries.py [--graph build/graph.ttl] [--scale 10] [--repeat 3]

Kent size is build/graph.ttl when it exists (or --graph), else a synthetic graph with the
real data's counts (6 outcomes, 21 priorities, 3 enablers, 8 directorates, ~45 indicators,
~300 commitments, ~400 mechanisms, ~90 actions) built from generated tables by the real
build. The 10x graph copies every data node (IRIs under https://w3id.org/icsgraph/id/)
ten times with renamed IRIs; the ontology and topic scheme stay single. Parameterised
queries run with their `example` values. Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from icsgraph.build import build_graph, load_ontology, topic_ids  # noqa: E402
from icsgraph.queries import list_queries, run_on_graph  # noqa: E402

DATA = "https://w3id.org/icsgraph/id/"
DIRECTORATES = ["cype", "public-health", "get", "asch", "hrod", "procurement", "infrastructure", "communities"]


def _write(folder: Path, name: str, header: list[str], rows: list[dict]) -> None:
    with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def synthetic_tables(folder: Path, topics: list[str], seed: int = 1) -> None:
    """Tables with the real data's sizes and link patterns (random, reproducible)."""
    rnd = random.Random(seed)
    prov = {"source": "plan", "page": "", "line": "1", "note": ""}
    _write(folder, "documents", ["id", "file", "title", "publisher", "date", "note"],
           [{"id": "plan", "file": "plan.txt", "title": "Plan", "publisher": "", "date": "", "note": ""}])
    _write(folder, "strategies", ["id", "type", "label", "delivers", "source", "page", "line", "note"],
           [{"id": "km-ics", "type": "Strategy", "label": "Strategy", "delivers": "", **prov}])
    outcomes = [f"SO{k}" for k in range(1, 7)]
    _write(folder, "outcomes", ["id", "label", "strategy", "source", "page", "line", "note"],
           [{"id": o, "label": f"Outcome {o}", "strategy": "km-ics", **prov} for o in outcomes])
    priorities = [(f"P-{o}-{n}", o) for o in outcomes for n in range(1, 4 + (o in ("SO2", "SO5", "SO6")))]
    _write(folder, "priorities", ["id", "outcome", "label", "source", "page", "line", "note"],
           [{"id": p, "outcome": o, "label": f"Priority {p}", **prov} for p, o in priorities])
    _write(folder, "enablers", ["id", "label", "strategy", "source", "page", "line", "note"],
           [{"id": f"E{k}", "label": f"Enabler {k}", "strategy": "km-ics", **prov} for k in (1, 2, 3)])
    orgs = [{"id": "kcc", "type": "Organisation", "label": "Council", "parent": "", "role": "statutory-partner", **prov}]
    orgs += [{"id": f"partner-{k}", "type": "Organisation", "label": f"Partner {k}", "parent": "", "role": "partner", **prov}
             for k in range(14)]
    orgs += [{"id": d, "type": "Directorate", "label": d.title(), "parent": "kcc", "role": "", **prov} for d in DIRECTORATES]
    _write(folder, "organisations", ["id", "type", "label", "parent", "role", "source", "page", "line", "note"], orgs)
    indicators = [{"id": f"I-{o}-{n}", "outcome": o, "label": f"Indicator {o} {n}", "text": "t",
                   "baseline_value": str(rnd.randint(1, 90)), "unit": "%", "target_value": str(rnd.randint(1, 90)),
                   "target_year": "2028/29", "direction": "reduce", "status": "defined",
                   "topics": rnd.choice(topics), **prov} for o in outcomes for n in range(1, 8)]
    indicators += [{"id": f"I-LF-{k}", "outcome": "", "label": f"Logframe measure {k}", "text": "t",
                    "status": "defined", "topics": rnd.choice(topics), **prov} for k in range(5)]
    _write(folder, "indicators", ["id", "outcome", "label", "text", "baseline_value", "unit", "target_value",
                                  "target_year", "direction", "status", "topics", "source", "page", "line", "note"],
           indicators)
    _write(folder, "voices", ["id", "outcome", "kind", "text", "source", "page", "line", "note"],
           [{"id": f"H-{k}", "outcome": rnd.choice(outcomes), "kind": "what-we-heard", "text": "v", **prov}
            for k in range(40)])
    types = ["Plan", "Service", "Programme", "Partnership", "Activity"]
    run_by = DIRECTORATES + [f"partner-{k}" for k in range(14)] + [""] * 10
    mechs = [{"id": f"m-{k}", "type": rnd.choice(types), "label": f"Mechanism {k}", "aliases": f"M{k}",
              "run_by": rnd.choice(run_by), "topics": rnd.choice(topics), **prov} for k in range(400)]
    mechs[0]["label"], mechs[1]["label"] = "Community Wardens", "Libraries"  # the queries' example values
    _write(folder, "mechanisms", ["id", "type", "label", "aliases", "run_by", "topics", "source", "page", "line", "note"],
           mechs)
    commitments, links = [], []
    for k in range(300):
        p, o = rnd.choice(priorities)
        cid = f"C-{k}"
        commitments.append({"id": cid, "directorate": rnd.choice(DIRECTORATES), "outcome": o, "priority": p,
                            "label": f"Commitment {k}", "topics": "; ".join(rnd.sample(topics, 2)), **prov})
        for m in rnd.sample(mechs, rnd.choice([0, 1, 2, 2, 3])):
            links.append({"commitment": cid, "mechanism": m["id"], "as_written": m["label"], "note": ""})
    _write(folder, "commitments", ["id", "directorate", "outcome", "priority", "label", "topics",
                                   "source", "page", "line", "note"], commitments)
    _write(folder, "commitment_mechanisms", ["commitment", "mechanism", "as_written", "note"], links)
    actions = []
    for k in range(90):
        day = f"202{rnd.randint(4, 7)}-0{rnd.randint(1, 9)}-28"
        actions.append({"id": f"A-{k}", "directorate": rnd.choice(DIRECTORATES), "title": f"Action {k}", "text": "t",
                        "lead": rnd.choice(["Director", "Lead", "Manager", ""]), "timescale": day,
                        "due_date": rnd.choice([day, day, day, ""]), "measure": rnd.choice(["KPI", ""]),
                        "outcomes": "; ".join(rnd.sample(outcomes, rnd.randint(1, 3))),
                        "enabler": rnd.choice(["", "", "", "E1", "E2"]), "progress": rnd.choice(["", "", "started"]),
                        "topics": "; ".join(rnd.sample(topics, 2)), **prov})
    _write(folder, "actions", ["id", "directorate", "title", "text", "lead", "timescale", "due_date", "measure",
                               "outcomes", "enabler", "progress", "topics", "source", "page", "line", "note"], actions)
    _write(folder, "action_services", ["id", "actions", "directorate", "mechanism", "outcomes", "source", "page", "line", "note"],
           [{"id": f"AS-{k}", "actions": rnd.choice(actions)["id"], "directorate": "get",
             "mechanism": rnd.choice(mechs)["id"], "outcomes": rnd.choice(outcomes), **prov} for k in range(20)])
    _write(folder, "logframe", ["id", "directorate", "indicator", "text", "source", "page", "line", "note"],
           [{"id": f"LF-{k}", "directorate": rnd.choice(DIRECTORATES), "indicator": rnd.choice(indicators)["id"],
             "text": "t", **prov} for k in range(30)])


def kent_graph(path: Path | None) -> tuple[Graph, str]:
    if path and path.exists():
        return Graph().parse(path), str(path)
    _, topics = load_ontology(ROOT / "ontology")
    with tempfile.TemporaryDirectory() as tmp:
        synthetic_tables(Path(tmp), sorted(topic_ids(topics)))
        return build_graph(Path(tmp), ROOT / "ontology"), "synthetic Kent-size tables"


def scaled(g: Graph, factor: int) -> Graph:
    """Copy every data node `factor` times with renamed IRIs (the ontology stays single)."""
    out = Graph()
    def rename(t, k):
        return URIRef(f"{t}-x{k}") if isinstance(t, URIRef) and str(t).startswith(DATA) else t
    for s, p, o in g:
        if isinstance(s, URIRef) and str(s).startswith(DATA):
            for k in range(factor):
                out.add((rename(s, k), p, rename(o, k)))
        else:
            out.add((s, p, o))
    return out


def oxigraph_copy(g: Graph) -> Graph:
    ox = Graph(store="Oxigraph")
    ox += g
    return ox


def time_query(q, graph, repeat: int) -> tuple[float, int]:
    params = {p.name: p.example for p in q.params if p.example is not None}
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        rows = len(run_on_graph(q, graph, params))
        best = min(best, time.perf_counter() - t)
        if best > 5:
            break
    return best, rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graph", type=Path, default=ROOT / "build" / "graph.ttl")
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", help="query names to run (default: all)")
    args = ap.parse_args(argv)
    kent, origin = kent_graph(args.graph)
    sizes = {"1x": kent, f"{args.scale}x": scaled(kent, args.scale)}
    print(f"Kent size: {origin}; " + ", ".join(f"{k}: {len(g):,} triples" for k, g in sizes.items()))
    engines = {}
    for size, g in sizes.items():
        engines[(size, "rdflib")] = g
        engines[(size, "oxigraph")] = oxigraph_copy(g)
    queries = [q for q in list_queries(ROOT / "queries") if not args.only or q.name in args.only]
    cols = list(engines)
    header = f"{'query':<32}" + "".join(f"{s + ' ' + e:>16}" for s, e in cols) + f"{'rows 1x':>9}"
    print(header)
    print("-" * len(header))
    totals = dict.fromkeys(cols, 0.0)
    for q in queries:
        cells, rows = [], 0
        for key in cols:
            seconds, n = time_query(q, engines[key], args.repeat)
            totals[key] += seconds
            cells.append(f"{seconds * 1000:>14.1f}ms")
            if key == ("1x", "oxigraph"):
                rows = n
        print(f"{q.name:<32}" + "".join(cells) + f"{rows:>9}", flush=True)
    print("-" * len(header))
    print(f"{'total':<32}" + "".join(f"{totals[k] * 1000:>14.1f}ms" for k in cols))


if __name__ == "__main__":
    main()
