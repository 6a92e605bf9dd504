"""`icsgraph serve`: the app under uvicorn, in this process (no child process to leave
behind: Ctrl-C or SIGTERM stops everything)."""
from __future__ import annotations

from ..project import Paths
from .app import make_app


def serve(paths: Paths, host: str = "127.0.0.1", port: int = 7878, endpoint: str | None = None,
          endpoint_graph: str | None = None, say=print) -> None:
    import uvicorn
    app = make_app(paths, endpoint=endpoint, endpoint_graph=endpoint_graph)
    if not endpoint:
        app.state.web.graph  # load the graph before saying it is ready
    shown = f"[{host}]" if ":" in host else host
    say(f"Serving {endpoint or paths.graph} at http://{shown}:{port}/ - questions, node pages, search, gap report, "
        f"network; query API http://{shown}:{port}/api/; SPARQL endpoint http://{shown}:{port}/sparql. Stop with Ctrl-C.")
    uvicorn.run(app, host=host, port=port, log_level="warning")
