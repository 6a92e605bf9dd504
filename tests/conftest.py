import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from servers import oxigraph_server, virtuoso_server  # noqa: F401  (session fixtures for everyone)

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini"


def run_cli(*args, cwd=ROOT):
    """Run the real `icsgraph` command line; return (exit status, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "icsgraph.cli", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def make_project(folder, data):
    """A throw-away project folder: the real ontology and queries, the given fixture tables."""
    shutil.copytree(ROOT / "ontology", folder / "ontology")
    shutil.copytree(ROOT / "queries", folder / "queries")
    shutil.copytree(data, folder / "data")
    return folder


@pytest.fixture
def project(tmp_path):
    """A throw-away project with the mini fixture tables."""
    return make_project(tmp_path, MINI)


@pytest.fixture
def real_project(tmp_path):
    """A throw-away copy of the real project (data, ontology, queries)."""
    for name in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("parts", "sources"))
    return tmp_path
