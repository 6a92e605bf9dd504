"""`icsgraph query` starts fast because it imports only what answering needs: the graph is read
by pyoxigraph, the query runs on it, and the answer is written as text. These tests fail if a
heavy import creeps back onto that path (the figures are in benchmarks/bench_national.py)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ["oxrdflib", "rdflib.plugins.sparql", "pydantic", "rich", "pyshacl", "matplotlib", "openpyxl",
         "starlette", "networkx", "pyvis", "owlready2"]

PROBE = """
import json, sys
from icsgraph.cli import app
try:
    app(sys.argv[1:])
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def built_project(tmp_path_factory):
    """A copy of the real project with its graph built."""
    folder = tmp_path_factory.mktemp("cold")
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("parts"))
    subprocess.run([sys.executable, "-m", "icsgraph.cli", "build", "--project", str(folder)], check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return folder


def run_probe(args, project):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args, "--project", str(project)],
                          capture_output=True, text=True, env=env, cwd=project)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return proc.stdout, report["code"], set(report["modules"])


def test_query_answers_without_the_heavy_imports(built_project):
    stdout, code, modules = run_probe(["query", "services-for-topic", "-p", "topic=social isolation"],
                                      built_project)
    assert code in (0, None)
    assert "Community Wardens" in stdout and "row(s)" in stdout
    assert [m for m in HEAVY if m in modules] == []


def test_a_name_that_matches_nothing_still_fails_loudly_on_that_path(built_project):
    _, code, modules = run_probe(["query", "services-for-topic", "-p", "topic=lonliness"], built_project)
    assert code == 1
    assert "oxrdflib" not in modules


def test_build_keeps_a_store_that_query_opens_and_a_changed_graph_file_is_read_afresh(built_project):
    from icsgraph.queries import open_store, store_folder
    graph = built_project / "build" / "graph.ttl"
    assert (store_folder(graph) / "SOURCE-SHA256").exists()
    kept = open_store(graph)
    ask = "ASK { GRAPH ?g { ?s ?p \"Community Wardens\"@en } }"
    assert bool(kept.query(ask))
    del kept
    # the graph file changed after the build (by hand, or by the Python API): the kept store is
    # not the file any more, so the file is read, and the answer follows the file
    original = graph.read_text(encoding="utf-8")
    try:
        graph.write_text(original.replace('"Community Wardens"@en', '"Community Guardians"@en'), encoding="utf-8")
        stdout, code, _ = run_probe(["query", "services-for-topic", "-p", "topic=loneliness"], built_project)
        assert code in (0, None)
        assert "Community Guardians" in stdout and "Community Wardens\n" not in stdout
    finally:
        graph.write_text(original, encoding="utf-8")
