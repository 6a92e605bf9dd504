"""Build, validate and reason at Kent size and at N x Kent size (synthetic copies of the
data tables with renamed ids). Prints figures; asserts nothing.

    python benchmarks/bench_build.py [--scale 10]
"""
import argparse
import csv
import shutil
import sys
import tempfile
import time
import resource
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rdflib import Graph  # noqa: E402

from icsgraph.build import build  # noqa: E402
from icsgraph.tables import TABLES  # noqa: E402
from icsgraph.validate import validate_graph  # noqa: E402

# tables whose rows are copied; link columns in them are renamed with the same suffix
SCALED = {"commitments", "commitment_mechanisms", "mechanisms", "actions", "action_services", "logframe"}
ID_COLUMNS = {"id", "commitment", "mechanism", "actions"}


def scaled_data(target: Path, scale: int) -> None:
    shutil.copytree(ROOT / "data", target, ignore=shutil.ignore_patterns("parts", "sources"))
    for table in TABLES:
        if table.name not in SCALED:
            continue
        path = target / table.file
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        header = [c.name for c in table.columns if rows and c.name in rows[0]]
        out = []
        for k in range(scale):
            for row in rows:
                copy = dict(row)
                if k:
                    for column in ID_COLUMNS & set(copy):
                        copy[column] = "; ".join(f"{v.strip()}-x{k}" for v in copy[column].split(";") if v.strip())
                out.append(copy)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, header, lineterminator="\n")
            w.writeheader()
            w.writerows(out)


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {label:<10} {seconds:7.2f} s   process peak so far {peak:7.0f} MiB")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, nargs="*", default=[1, 10])
    parser.add_argument("--reason", action="store_true", help="also time HermiT (needs Java)")
    args = parser.parse_args()
    for scale in args.scale:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            scaled_data(data, scale)
            out = Path(tmp) / "graph.ttl"
            print(f"{scale} x Kent:")
            g = timed("build", lambda: build(data, ROOT / "ontology", out))
            print(f"  {len(g)} triples, {out.stat().st_size / 2**20:.1f} MiB of Turtle")
            timed("validate", lambda: validate_graph(Graph().parse(out), ROOT / "ontology" / "shapes.ttl"))
            if args.reason:
                from icsgraph.reason import infer
                timed("reason", lambda: infer(Graph().parse(out)))


if __name__ == "__main__":
    main()
