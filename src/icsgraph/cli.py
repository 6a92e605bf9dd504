"""The `icsgraph` command: one sub-command per job, each a thin layer over the Python API.

Exit status: 0 success, 1 user error (bad data, unknown query, bad parameter: a one-paragraph
message, no traceback), 2 usage error.
"""

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .project import Paths
from .queries import FORMATS, QueryError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="icsgraph: the Kent and Medway Integrated Care Strategy and KCC's Delivery Plan "
                       "as a knowledge graph. Start with 'icsgraph all'.")


class _Console:
    """rich's Console, made when first used: importing rich costs every command 30 ms, and
    `icsgraph query` answers in about twice the time Python takes to import rdflib."""

    def __init__(self, **options):
        self._options, self._console = options, None

    def __getattr__(self, name):
        if self._console is None:
            from rich.console import Console
            self._console = Console(highlight=False, soft_wrap=True, markup=False, emoji=False, **self._options)
        return getattr(self._console, name)


def RichTable(*args, **kwargs):
    from rich.table import Table
    return Table(*args, **kwargs)


out = _Console()
err = _Console(stderr=True)


class UserError(Exception):
    pass


def fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(1)


def _run(fn):
    """Run a command body, turning known user errors into exit status 1 with a message."""
    try:
        return fn()
    except (QueryError, UserError, FileNotFoundError, *_loaded_errors()) as e:
        fail(str(e))


def _loaded_errors() -> list:
    """The tables' and the monitoring cycle's errors, from whichever of those modules the command
    used (one it never imported cannot have raised): `icsgraph query` imports neither."""
    found = []
    for module, name in (("icsgraph.tables", "TableError"), ("icsgraph.monitoring", "MonitoringError")):
        if module in sys.modules:
            found.append(getattr(sys.modules[module], name))
    return found


def _paths(root: Optional[Path]) -> Paths:
    return Paths(root)


RootOpt = typer.Option(None, "--project", help="Project folder holding data/, ontology/, queries/ "
                       "(default: found from the working directory).")


@app.command()
def build(out_path: Optional[Path] = typer.Option(None, "--out", help="Where to write the graph (default build/graph.ttl)."),
          root: Optional[Path] = RootOpt):
    """Read data/ and ontology/, write build/graph.ttl and print counts per class."""
    from .build import build as do_build, count_classes
    from .queries import save_store
    paths = _paths(root)
    target = out_path or paths.graph

    def body():
        read_notes = []
        g = do_build(paths.data, paths.ontology, target, read_notes)
        save_store(target)  # build/graph.oxigraph/: 'icsgraph query' opens it, no Turtle to parse
        counts = count_classes(g)
        for note in read_notes:
            out.print(note)
        out.print(f"Wrote {target} ({len(g)} triples).")
        for cls, n in counts.items():
            out.print(f"  {cls:<20} {n:>5}")
    _run(body)


@app.command()
def validate(graph: Optional[Path] = typer.Option(None, "--graph", help="Graph to check (default build/graph.ttl)."),
             root: Optional[Path] = RootOpt):
    """Check the tables in data/ (cells, names, provenance, every cited line against its source text) and SHACL-validate the built graph; exit status 1 on any mistake."""
    from rdflib import Graph
    from .validate import check_tables, format_report, stale_tables, validate_graph
    paths = _paths(root)
    path = graph or paths.graph

    def body():
        if graph is None:
            out.print(check_tables(paths.data, paths.ontology))
        if not path.exists():
            raise UserError(f"{path} does not exist: run 'icsgraph all' (or 'icsgraph build') first")
        conforms, problems = validate_graph(Graph().parse(path), paths.ontology / "shapes.ttl")
        out.print(format_report(conforms, problems))
        changed = stale_tables(paths.data, path) if graph is None else []
        if changed:
            out.print(f"Note: {', '.join(changed)} changed after {path} was built: "
                      "run 'icsgraph all' to rebuild it and every output.")
        if not conforms:
            raise typer.Exit(1)
    _run(body)


@app.command("queries")
def queries_cmd(name: Optional[str] = typer.Argument(None, help="Show one query in full."),
                root: Optional[Path] = RootOpt):
    """List the canned questions: their names, what each answers and what to give it (or explain one question in full)."""
    from .queries import get_query, list_queries
    paths = _paths(root)

    def body():
        if name:
            _print_query(get_query(name, paths.queries))
            return
        table = RichTable("Question", "What it answers", "Give it", show_lines=False)
        for q in list_queries(paths.queries):
            table.add_row(q.name, q.summary, ", ".join(p.name for p in q.params))
        out.print(table)
        out.print("Run one with: icsgraph query NAME [--param KEY=VALUE] [--format table|csv|json|md]; "
                  "details with: icsgraph queries NAME")
    _run(body)


@app.command("topics")
def topics_cmd(fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json or md."),
               endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Read the topics from this SPARQL endpoint instead of build/graph.ttl."),
               graph_iri: Optional[str] = typer.Option(None, "--graph", help="With --endpoint: the named graph to read (as published)."),
               root: Optional[Path] = RootOpt):
    """List every health topic with its other names and the broader topic it sits under.

    Any of these names works wherever a question asks for a topic, e.g.
    icsgraph query services-for-topic --param topic="social isolation"."""
    from .queries import load_graph, render, to_json
    from .resolve import choices
    paths = _paths(root)

    def body():
        if fmt not in FORMATS:
            raise QueryError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
        graph = None if endpoint else load_graph(paths.graph)
        rows = [{"topic": t["label"], "other_names": "; ".join(t["alt_labels"]), "broader": "; ".join(t["broader"]),
                 "id": t["code"], "topic_iri": t["iri"]}
                for t in choices("topic", graph=graph, endpoint=endpoint, endpoint_graph=graph_iri)]
        titles = {"topic": "Topic", "other_names": "Other names", "broader": "Part of", "id": "Id in the tables"}
        if fmt == "json":
            sys.stdout.write(to_json(rows, ["topic", "other_names", "broader", "id", "topic_iri"]))
        elif fmt == "table":
            table = RichTable(title="Health topics", show_lines=True)
            for title in titles.values():
                table.add_column(title, overflow="fold")
            for r in rows:
                table.add_row(*(r[c] for c in titles))
            out.print(table, soft_wrap=False)
            out.print(f"{len(rows)} topic(s). Any name above works as --param topic=NAME.")
        else:
            sys.stdout.write(render(rows, list(titles), fmt, titles))
    _run(body)


def _print_query(q) -> None:
    """A canned query's title, description, parameters and tags."""
    out.print(f"{q.name}: {q.summary}\n")
    out.print(q.description + "\n")
    for p in q.params:
        example = f" (e.g. {p.example})" if p.example else ""
        out.print(f"  --param {p.name}=VALUE   {p.description}{example}")
    if not q.params:
        out.print("  (no parameters)")
    out.print(f"tags: {', '.join(q.tags)}")


def _parse_params(items: List[str]) -> dict:
    params = {}
    for item in items:
        if "=" not in item:
            raise QueryError(f"--param takes KEY=VALUE, not {item!r}")
        key, value = item.split("=", 1)
        params[key.strip()] = value
    return params


@app.command()
def reason(out_path: Optional[Path] = typer.Option(None, "--out", help="Where to write the inferences (default build/inferred.ttl)."),
           root: Optional[Path] = RootOpt):
    """Check the graph is consistent (owlready2 + HermiT) and write what it implies to build/inferred.ttl."""
    from collections import Counter
    from .reason import ReasoningError, reason as do_reason
    paths = _paths(root)
    target = out_path or paths.build / "inferred.ttl"

    def body():
        if not paths.graph.exists():
            raise UserError(f"{paths.graph} does not exist: run 'icsgraph build' first")
        try:
            inferred = do_reason(paths.graph, target)
        except ReasoningError as e:
            raise UserError(str(e)) from None
        out.print(f"The graph is consistent. Wrote {len(inferred)} inferred triple(s) to {target}:")
        for prop, n in sorted(Counter(str(p).rsplit("#", 1)[-1] for p in inferred.predicates()).items()):
            out.print(f"  {prop:<24} {n:>5}")
    _run(body)


@app.command()
def publish(endpoint: str = typer.Option(..., "--endpoint", help="SPARQL 1.1 Graph Store URL, e.g. http://localhost:7878/store "
                                         "(a login, if the store needs one: environment variables ICSGRAPH_ENDPOINT_USER "
                                         "and ICSGRAPH_ENDPOINT_PASSWORD)."),
            graph_iri: str = typer.Option("https://w3id.org/icsgraph/graph", "--graph",
                                          help="Named graph to replace (default https://w3id.org/icsgraph/graph, "
                                               "where query/gaps/viz --endpoint look without --graph)."),
            root: Optional[Path] = RootOpt):
    """Replace a named graph on a SPARQL 1.1 Graph Store endpoint with the built graph."""
    from .endpoint import DEFAULT_GRAPH, publish as do_publish, shown
    paths = _paths(root)

    def body():
        status = do_publish(paths.graph, endpoint, graph_iri)
        out.print(f"Published {paths.graph} to <{graph_iri}> on {shown(endpoint)} (HTTP {status}).")
        more = "" if graph_iri == DEFAULT_GRAPH else f" --graph {graph_iri}"
        out.print(f"Query it with: icsgraph query NAME --endpoint QUERY-URL{more}")
    _run(body)


@app.command()
def serve(port: int = typer.Option(7878, "--port", help="Port (default 7878)."),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default 127.0.0.1: this computer only)."),
          endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Serve the graph on this SPARQL endpoint instead of build/graph.ttl."),
          graph_iri: Optional[str] = typer.Option(None, "--graph", help="With --endpoint: the named graph to read (as published)."),
          root: Optional[Path] = RootOpt):
    """The officers' web app: questions with forms, a page for every node, search, the gap report, the network, the query API (/api/) and a SPARQL endpoint (/sparql). Read-only; stop with Ctrl-C."""
    from .web.serve import serve as do_serve
    paths = _paths(root)

    def body():
        if not endpoint and not paths.graph.exists():
            raise UserError(f"{paths.graph} does not exist: run 'icsgraph build' first")
        do_serve(paths, host=host, port=port, endpoint=endpoint, endpoint_graph=graph_iri,
                 say=lambda text: out.print(text))
    _run(body)


@app.command()
def site(out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for the site (default build/site)."),
         root: Optional[Path] = RootOpt):
    """The web app's pages as static files (home, every question for every name it takes, every node with its .ttl and .jsonld, the gap report, the network, the API files) that open from disk or any static web host."""
    from .web.site import SiteError, export_site
    paths = _paths(root)

    def body():
        if not paths.graph.exists():
            raise UserError(f"{paths.graph} does not exist: run 'icsgraph build' first")
        try:
            figures = export_site(paths, out_dir)
        except SiteError as e:
            raise UserError(str(e)) from None
        out.print(f"Wrote {figures['pages']} pages ({figures['files']} files, {figures['bytes'] / 1e6:.1f} MB) "
                  f"in {figures['seconds']:.0f} s. Open {figures['index']}")
    _run(body)


@app.command()
def query(name: str = typer.Argument(..., help="The question's name, e.g. services-for-topic ('icsgraph queries' lists them)."),
          param: List[str] = typer.Option([], "--param", "-p", help="What the question needs, e.g. --param topic=loneliness. A name may be any of a thing's names, its code or part of its name; repeat for several."),
          fmt: str = typer.Option("table", "--format", "-f", help="table (to read here), csv (opens in Excel), md (Markdown, for documents) or json (for programs)."),
          endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Run on this SPARQL endpoint instead of build/graph.ttl."),
          graph_iri: Optional[str] = typer.Option(None, "--graph", help="With --endpoint: the named graph to query (default https://w3id.org/icsgraph/graph, where publish puts it; 'default' for the endpoint's own default graph)."),
          out_path: Optional[Path] = typer.Option(None, "--out", help="Write the answer to this file."),
          engine: str = typer.Option("oxigraph", "--engine", help="Which engine answers from build/graph.ttl: oxigraph (fast, the default) or rdflib."),
          root: Optional[Path] = RootOpt):
    """Ask one canned question and get a table to paste into a report (from build/graph.ttl, or your organisation's triple store with --endpoint).

    Names are looked up first: a name that matches nothing stops with the closest names, never with an empty answer."""
    from .build import write_atomically
    from .queries import get_query, render_answer, run_query
    paths = _paths(root)

    def body():
        if fmt not in FORMATS:
            raise QueryError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")
        q = get_query(name, paths.queries)
        rows = run_query(name, graph_path=paths.graph, endpoint=endpoint, endpoint_graph=graph_iri, engine=engine,
                         queries_dir=paths.queries, **_parse_params(param))
        if fmt == "table" and not out_path:
            print_answer_table(q, rows)
            return
        text = render_answer(q, rows, "md" if fmt == "table" else fmt)
        if out_path:
            write_atomically(out_path, text)
            err.print(f"Wrote {len(rows)} row(s) to {out_path}")
        else:
            sys.stdout.write(text)
    _run(body)


def print_answer_table(q, rows) -> None:
    """An answer on the terminal, readable at the terminal's width (100 columns and up):
    a table whose cells wrap at word boundaries, never cut short; when the columns cannot
    all fit, one block per row, a title and its value to a line."""
    import shutil
    columns = q.columns
    width = shutil.get_terminal_size().columns  # as rich reads it: the terminal, $COLUMNS, or 80
    cells = [["" if r.get(c) is None else str(r[c]) for c in columns] for r in rows]

    def longest_word(texts):
        return max((len(w) for t in texts for w in t.split()), default=1)
    needed = sum(min(max(longest_word([title]), longest_word(col)), 24) + 3
                 for title, col in zip(columns.values(), zip(*cells) if cells else [[]] * len(columns)))
    if needed <= width:
        table = RichTable(title=q.summary, show_lines=True, expand=False)
        for title in columns.values():
            table.add_column(title, overflow="fold", no_wrap=False)
        for row in cells:
            table.add_row(*row)
        out.print(table, soft_wrap=False)
    else:  # one write, not a rich print a line: on 16 rows that is 60 ms of a 0.3 s command
        import textwrap
        lines = [q.summary]
        pad = max(len(t) for t in columns.values()) + 2
        for n, row in enumerate(cells, 1):
            lines.append(f"\n{n}.")
            for title, value in zip(columns.values(), row):
                wrapped = textwrap.wrap(value, max(20, width - pad - 1), break_long_words=True) or [""]
                lines.append(f"{title + ':':<{pad}}{wrapped[0]}")
                lines.extend(" " * pad + more for more in wrapped[1:])
        sys.stdout.write("\n".join(lines) + f"\n{len(rows)} row(s)\n")
        sys.stdout.flush()
        return
    out.print(f"{len(rows)} row(s)")


@app.command()
def viz(out_path: Optional[Path] = typer.Option(None, "--out", help="Where to write the page (default build/network.html, or build/network-<focus>.html for a focus or slice, so the whole map is never overwritten); the GraphML goes next to it."),
        focus: Optional[str] = typer.Option(None, "--focus", help="Only around the node with this name, other name or code, e.g. 'Community Wardens', loneliness, SO4."),
        hops: int = typer.Option(1, "--hops", min=0, help="How many links out from the focus node (default 1). Outcome, directorate and topic nodes reached on the way are shown but not walked through (see above)."),
        outcome: Optional[str] = typer.Option(None, "--outcome", help="Only what belongs to this shared outcome, e.g. SO3."),
        directorate: Optional[str] = typer.Option(None, "--directorate", help="Only what belongs to this directorate: id, name or abbreviation, e.g. GET."),
        endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Draw the graph held on this SPARQL endpoint (query URL) instead of build/graph.ttl."),
        graph_iri: Optional[str] = typer.Option(None, "--graph", help="With --endpoint: the named graph to draw (default https://w3id.org/icsgraph/graph)."),
        root: Optional[Path] = RootOpt):
    """Write the interactive network page (opens from disk, needs no internet) and its GraphML.

    The whole map opens on an overview (the shared outcomes, their priorities and the directorates, with their counts); click one to open its part of the network. The page's address can open a view directly: network.html?focus=A-PH-11&hops=2&outcome=SO3 (also directorate, topic, status, types, view=network).

    With --focus, the page shows the nodes within --hops links of the focus, and is written to its own file (build/network-<focus>.html) unless --out says otherwise. Outcome, directorate and topic nodes link to a large part of the network, so past the first link they are shown but not walked through: --focus "Community Wardens" --hops 2 shows the Growth, Environment and Transport directorate, not everything it does (the focus itself is always walked from, so --focus SO2 shows what links to SO2). For everything in an outcome or directorate use --outcome or --directorate.

    Names are written on the map where they fit, and more as you zoom in; point at a node for its name, or click it to name it and its neighbours."""  # noqa: E501
    from .queries import load_graph
    from .viz import VizError, load_remote_graph, page_name, project, write_page
    paths = _paths(root)

    def body():
        if graph_iri and not endpoint:
            raise UserError("--graph needs --endpoint (the SPARQL endpoint holding that graph)")
        try:
            graph = load_remote_graph(endpoint, graph_iri) if endpoint else load_graph(paths.graph, engine="rdflib")
            G = project(graph)
            target = out_path or paths.build / page_name(G, focus, hops, outcome, directorate)
            counts = write_page(G, target, focus=focus, hops=hops, outcome=outcome, directorate=directorate)
        except ValueError as e:  # VizError (an EndpointError is a QueryError: _run reports it)
            raise UserError(str(e)) from None
        out.print(f"Wrote {counts['page']} ({counts['nodes']} nodes, {counts['edges']} links; {counts['scope']}) "
                  f"and {counts['graphml']}.")
    _run(body)


def _as_of(value: Optional[str]):
    import datetime as _dt
    if not value:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of must be a date written YYYY-MM-DD, not {value!r}") from None


AsOfOpt = typer.Option(None, "--as-of", help="Date the overdue check uses, YYYY-MM-DD (default today).")
ThresholdOpt = typer.Option(2, "--threshold", min=0, help="Thin coverage: at most this many commitments and actions (default 2).")


@app.command()
def gaps(fmt: Optional[str] = typer.Option(None, "--format", "-f", help="html, md, csv or json (default: the --out file's suffix)."),
         out_path: Optional[Path] = typer.Option(None, "--out", help="Write the report to this file."),
         as_of: Optional[str] = AsOfOpt,
         threshold: int = ThresholdOpt,
         endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Ask the questions of this SPARQL endpoint instead of build/graph.ttl."),
         graph_iri: Optional[str] = typer.Option(None, "--graph", help="With --endpoint: the named graph to read (default: the one 'icsgraph publish' writes)."),
         root: Optional[Path] = RootOpt):
    """Gap analysis report, built from the canned gap queries on build/graph.ttl or a SPARQL endpoint.

    With neither --format nor --out it writes build/gaps.html (self-contained, printable, with the directorate x outcome heat map) and build/gaps.md; with --format only, build/gaps.FORMAT; with --out, that file (format from --format or the file's suffix). Prints the summary paragraph."""  # noqa: E501
    from .gaps import FORMATS as GAP_FORMATS, gap_report, write_report
    paths = _paths(root)

    def body():
        day = _as_of(as_of)
        if fmt and fmt not in GAP_FORMATS:
            raise UserError(f"unknown report format '{fmt}' (one of {', '.join(GAP_FORMATS)})")
        if out_path:
            kind = fmt or {"htm": "html", "markdown": "md"}.get(out_path.suffix.lower().lstrip("."),
                                                               out_path.suffix.lower().lstrip("."))
            if kind not in GAP_FORMATS:
                raise UserError(f"cannot tell the report format from '{out_path.name}': "
                                f"add --format ({', '.join(GAP_FORMATS)})")
            targets = [(out_path, kind)]
        else:
            targets = [(paths.build / f"gaps.{k}", k) for k in ([fmt] if fmt else ["html", "md"])]
        remote = {}
        if endpoint:
            from . import endpoint as _endpoint
            default = getattr(_endpoint, "DEFAULT_GRAPH", None) or getattr(_endpoint, "DEFAULT_GRAPH_IRI")
            remote = {"endpoint": endpoint, "endpoint_graph": graph_iri or default}
        elif graph_iri:
            raise UserError("--graph names a graph on a SPARQL endpoint: give --endpoint URL as well")
        report = gap_report(graph_path=paths.graph, as_of=day, threshold=threshold, queries_dir=paths.queries,
                            **remote)
        out.print(report["summary"])
        for path, kind in targets:
            write_report(report, path, kind)
            out.print(f"Wrote {path}")
    _run(body)


@app.command("all")
def all_cmd(out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder for every output (default build/)."),
            as_of: Optional[str] = AsOfOpt,
            threshold: int = ThresholdOpt,
            root: Optional[Path] = RootOpt):
    """The main job: build, validate, write the gap report, the network page and every canned query's answer, and print where each one is.

    Writes graph.ttl, validation.txt, gaps.html/.md/.csv/.json, network.html, progress.html/.md/.csv/.json (the collated progress update of the latest quarter with returns), queries/NAME.csv (parameterised queries run with their example values) and the web pages as static files (site/index.html, as 'icsgraph site') under build/ or --out DIR. Exit status 1 if the graph does not conform to the SHACL shapes or the network page fails; the other outputs are still written."""  # noqa: E501
    from .build import build as do_build, count_classes, write_atomically
    from .gaps import gap_report, write_report
    from .queries import list_queries, load_graph, render_answer, run_on_graph, save_store
    from .validate import format_report, validate_graph
    from .viz import write_page
    paths = _paths(root)
    target = out_dir or paths.build

    def body():
        day = _as_of(as_of)
        written, notes = [], []
        graph_file = target / "graph.ttl"
        read_notes = []
        g = do_build(paths.data, paths.ontology, graph_file, read_notes)
        save_store(graph_file)
        for note in read_notes:
            out.print(note)
        written.append(("graph", graph_file))
        conforms, problems = validate_graph(g, paths.ontology / "shapes.ttl")
        write_atomically(target / "validation.txt", format_report(conforms, problems) + "\n")
        written.append(("validation report", target / "validation.txt"))
        if not conforms:
            notes.append(f"the graph does not conform to ontology/shapes.ttl: {len(problems)} problem(s), "
                         f"see {target / 'validation.txt'}")
        graph = load_graph(graph_file, "oxigraph")
        report = gap_report(graph, as_of=day, threshold=threshold, queries_dir=paths.queries)
        for kind in ("html", "md", "csv", "json"):
            written.append((f"gap report ({kind})", write_report(report, target / f"gaps.{kind}", kind)))
        try:
            write_page(g, target / "network.html")  # the graph just built, not parsed again
            written.append(("network page", target / "network.html"))
        except Exception as e:  # noqa: BLE001 - report it, keep the other outputs
            notes.append(f"the network page could not be written: {e}")
        from .report import collate, write_report as write_progress
        progress = collate(None, as_of=day, graph=graph, queries_dir=paths.queries)
        for kind in ("html", "md", "csv", "json"):
            written.append((f"progress update {progress['period']} ({kind})",
                            write_progress(progress, target / f"progress.{kind}", kind)))
        answered = 0
        for q in list_queries(paths.queries):
            missing = [p.name for p in q.params if p.example is None and p.default is None]
            if missing:
                out.print(f"Query {q.name} skipped: no example value for {', '.join(missing)}.")
                continue
            rows = run_on_graph(q, graph, {p.name: p.example for p in q.params if p.example is not None})
            write_atomically(target / "queries" / f"{q.name}.csv", render_answer(q, rows, "csv"))
            answered += 1
        written.append((f"{answered} canned query answers (CSV)", target / "queries"))
        try:  # the web pages as static files (icsgraph site); its index is printed last
            from .web.site import export_site
            site = export_site(paths, target / "site", graph_path=graph_file)
            written.append((f"web site ({site['pages']} pages; open this)", site["index"]))
        except Exception as e:  # noqa: BLE001 - report it, keep the other outputs
            notes.append(f"the web site could not be written: {e}")
        counts = count_classes(g)
        out.print(f"Built {len(g)} triples: " + ", ".join(f"{n} {cls}" for cls, n in counts.items()) + ".")
        out.print("Validation: " + ("the graph conforms." if conforms else f"{len(problems)} problem(s)."))
        out.print(report["summary"])
        out.print(progress["summary"])
        width = max(len(what) for what, _ in written)
        for what, path in written:
            out.print(f"  {what:<{width}}  {path}")
        if notes:
            raise UserError("; ".join(notes))
    _run(body)


# --- the quarterly monitoring cycle ------------------------------------------------------------

progress_app = typer.Typer(no_args_is_help=True, help="Directorates' quarterly progress returns and the collated progress update.")
readings_app = typer.Typer(no_args_is_help=True, help="Readings of the indicators (OHID Fingertips exports, or our own columns).")
app.add_typer(progress_app, name="progress")
app.add_typer(readings_app, name="readings")

RecordedOnOpt = typer.Option(None, "--recorded-on", help="The date to record the import under, YYYY-MM-DD (default today); "
                             "it decides which quarter's update first includes it.")


def _day(value: Optional[str], option: str):
    import datetime as _dt
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} must be a date written YYYY-MM-DD, not {value!r}") from None


@progress_app.command("template")
def progress_template(directorate: str = typer.Option(..., "--directorate", help="The directorate: id, name or abbreviation, e.g. GET."),
                      period: str = typer.Option(..., "--period", help="The quarter, e.g. 2025-Q4 (calendar quarters: Q4 is October to December)."),
                      out_path: Optional[Path] = typer.Option(None, "--out", help="The workbook to write (default build/returns/return-DIRECTORATE-PERIOD.xlsx)."),
                      root: Optional[Path] = RootOpt):
    """Write a directorate's return workbook for one quarter: its actions (id, title, lead, due date, measure, last status and narrative, protected), a status drop-down, and narrative and evidence columns."""
    from .progress import write_template
    paths = _paths(root)

    def body():
        path, n = write_template(paths, directorate, period, out_path)
        out.print(f"Wrote {path}: {n} action(s). Fill in Status (and Narrative, required for at risk or off track), "
                  f"then: icsgraph progress import {path.name}")
    _run(body)


@progress_app.command("import")
def progress_import(files: List[Path] = typer.Argument(..., help="Filled workbooks (.xlsx) or CSV files of returns."),
                    replace: bool = typer.Option(False, "--replace", help="Replace a different return already recorded for the same action and quarter (the earlier one is kept as history)."),
                    recorded_on: Optional[str] = RecordedOnOpt,
                    root: Optional[Path] = RootOpt):
    """Check returns and add them to data/progress.csv: every row of every file is checked first, and nothing is written unless all are right."""
    from .progress import import_returns
    paths = _paths(root)

    def body():
        r = import_returns(paths, files, replace=replace, recorded_on=_day(recorded_on, "--recorded-on"))
        out.print(f"data/progress.csv: {r.added} return(s) added, {r.replaced} replaced (the earlier kept), "
                  f"{r.unchanged} already recorded, from {r.files} file(s). Run 'icsgraph all' to see them everywhere.")
    _run(body)


@progress_app.command("report")
def progress_report(period: Optional[str] = typer.Option(None, "--period", help="The quarter, e.g. 2025-Q4 (default: the latest quarter any return is for; with none, the last quarter that has ended)."),
                    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="html, md, csv or json (default: the --out file's suffix; with neither, html and md)."),
                    out_path: Optional[Path] = typer.Option(None, "--out", help="Write the update to this file."),
                    as_of: Optional[str] = typer.Option(None, "--as-of", help="Today's date for 'past due' and 'stale', YYYY-MM-DD (default today; an earlier quarter's update is taken as at its collation date)."),
                    endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Read the graph from this SPARQL endpoint instead of build/graph.ttl."),
                    graph_iri: Optional[str] = typer.Option(None, "--graph", help="With --endpoint: the named graph (default https://w3id.org/icsgraph/graph)."),
                    root: Optional[Path] = RootOpt):
    """The council-wide collated progress update for a quarter: per outcome and directorate, actions by status, at-risk and off-track actions with narratives, past due with no return, missing and stale returns; per indicator its readings against target (chart, and the Open SDG pace measure); what changed since the previous quarter; corrections recorded since.

    Written as it stood at the quarter's collation date (the end of the next quarter), so an earlier quarter's update can be written again exactly; every figure comes from a canned query."""  # noqa: E501
    from .report import FORMATS as REPORT_FORMATS, collate, write_report
    paths = _paths(root)

    def body():
        if fmt and fmt not in REPORT_FORMATS:
            raise UserError(f"unknown report format '{fmt}' (one of {', '.join(REPORT_FORMATS)})")
        if period:
            from .monitoring import Quarter
            Quarter.parse(period)
        if out_path:
            kind = fmt or {"htm": "html", "markdown": "md"}.get(out_path.suffix.lower().lstrip("."), out_path.suffix.lower().lstrip("."))
            if kind not in REPORT_FORMATS:
                raise UserError(f"cannot tell the report format from '{out_path.name}': add --format ({', '.join(REPORT_FORMATS)})")
            targets = [(out_path, kind)]
        else:
            targets = [(paths.build / f"progress.{k}", k) for k in ([fmt] if fmt else ["html", "md"])]
        if not endpoint and not paths.graph.exists():
            raise UserError(f"{paths.graph} does not exist: run 'icsgraph build' first")
        report = collate(period, as_of=_day(as_of, "--as-of"), graph_path=paths.graph, endpoint=endpoint,
                         endpoint_graph=graph_iri or (None if not endpoint else "https://w3id.org/icsgraph/graph"),
                         queries_dir=paths.queries, with_charts=any(k == "html" for _, k in targets))
        out.print(report["summary"])
        for path, kind in targets:
            write_report(report, path, kind)
            out.print(f"Wrote {path}")
    _run(body)


@readings_app.command("import")
def readings_import(files: List[Path] = typer.Argument(..., help="An OHID Fingertips data export (CSV), or a CSV with indicator, period, area, value."),
                    replace: bool = typer.Option(False, "--replace", help="Record a changed value for a period already recorded (the earlier value is kept as history)."),
                    recorded_on: Optional[str] = RecordedOnOpt,
                    entered_by: str = typer.Option("", "--entered-by", help="Who is importing (kept with each reading as its officer entry; default your login name)."),
                    root: Optional[Path] = RootOpt):
    """Check indicator readings and add them to data/readings.csv, all or nothing."""
    from .readings import import_readings
    paths = _paths(root)

    def body():
        r = import_readings(paths, files, replace=replace, recorded_on=_day(recorded_on, "--recorded-on"), entered_by=entered_by)
        out.print(f"data/readings.csv: {r.added} reading(s) added, {r.replaced} replaced (the earlier kept), "
                  f"{r.unchanged} already recorded.")
        for why, n in sorted(r.skipped.items()):
            out.print(f"  left out: {n} row(s) of {why}")
    _run(body)


def _query_help(args: list[str]) -> bool:
    """`icsgraph query NAME --help`: the query's own title, description and parameters
    first, then the command's options."""
    if len(args) < 3 or args[0] != "query" or args[1].startswith("-") or not {"--help", "-h"} & set(args):
        return False
    from .queries import get_query
    try:
        q = get_query(args[1])
    except QueryError:
        return False
    _print_query(q)
    out.print("")
    return True


def main():
    _query_help(sys.argv[1:])
    app()


if __name__ == "__main__":
    main()
