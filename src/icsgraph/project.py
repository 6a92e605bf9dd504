"""Where things are: the project folder holding data/, ontology/ and queries/."""
from __future__ import annotations

import os
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The icsgraph project folder: $ICSGRAPH_HOME, else the nearest folder at or above
    the working directory with ontology/icsgraph.ttl, else the checkout this package is in."""
    if os.environ.get("ICSGRAPH_HOME"):
        return Path(os.environ["ICSGRAPH_HOME"]).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "ontology" / "icsgraph.ttl").exists():
            return folder
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology" / "icsgraph.ttl").exists():
        return checkout
    return here


class Paths:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else find_root()
        self.data = self.root / "data"
        self.ontology = self.root / "ontology"
        self.queries = self.root / "queries"
        self.build = self.root / "build"
        self.graph = self.build / "graph.ttl"
