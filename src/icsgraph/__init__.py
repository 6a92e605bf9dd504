"""icsgraph: a knowledge graph of the Kent and Medway Integrated Care Strategy and the
Kent County Council Delivery Plan.

Python API (the CLI is a thin layer over it)::

    from icsgraph import build, run_query
    build("data", "ontology", "build/graph.ttl")
    rows = run_query("services-for-topic", topic="loneliness")
"""
from .build import build, build_graph
from .queries import list_queries, run_query

__all__ = ["build", "build_graph", "run_query", "list_queries"]
__version__ = "0.1.0"
