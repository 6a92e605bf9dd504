"""What the quarterly monitoring cycle shares: quarters, the status scheme, the two tables'
columns, and an all-or-nothing append to a data table.

Quarters are CALENDAR quarters written `2025-Q4` (1 October to 31 December 2025). The
collated update for a quarter is taken as at the end of the FOLLOWING quarter (the
"collation date": 2025-Q4 -> 2026-03-31): returns for 2025-Q4 recorded up to then count
in its update; anything recorded later is shown, when that update is written again, as a
late return or a correction. data/README.md says the same for officers.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from .namespaces import ICSG, STATUS

PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")


class MonitoringError(ValueError):
    """A return, reading or report request that cannot be accepted; the message names
    the file (and sheet), row and column of every problem."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        m = PERIOD.match(str(text).strip())
        if not m:
            raise MonitoringError(f"'{text}' is not a quarter: write it like 2025-Q4 "
                                  "(calendar quarters: Q1 January-March ... Q4 October-December)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, day: _dt.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self):
        return f"{self.year}-Q{self.q}"

    @property
    def start(self) -> _dt.date:
        return _dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> _dt.date:
        nxt = self.next()
        return nxt.start - _dt.timedelta(days=1)

    @property
    def collation_date(self) -> _dt.date:
        """The date the quarter's collated update is taken as at: the end of the next quarter."""
        return self.next().end

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def words(self) -> str:
        return f"{self.start.day} {self.start:%B} to {self.end.day} {self.end:%B %Y}"


@dataclass(frozen=True)
class Status:
    notation: str
    label: str
    colour: str
    rating: str
    order: int
    definition: str


def load_statuses(ontology_dir: Path) -> list[Status]:
    """The progress status scheme of ontology/status.ttl, in its order."""
    g = Graph().parse(Path(ontology_dir) / "status.ttl")
    out = []
    for s in g.subjects(SKOS.inScheme, None):
        if not str(s).startswith(str(STATUS)):
            continue
        out.append(Status(str(g.value(s, SKOS.notation)), str(g.value(s, SKOS.prefLabel)),
                          str(g.value(s, ICSG.ragColour)), str(g.value(s, ICSG.ragRating)),
                          int(g.value(s, ICSG.order)), str(g.value(s, SKOS.definition))))
    return sorted(out, key=lambda s: s.order)


def status_lookup(statuses: list[Status]) -> dict[str, Status]:
    """Status by notation or label, lower case, spaces and hyphens alike."""
    out = {}
    for s in statuses:
        for key in (s.notation, s.label):
            out[_norm(key)] = s
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", str(text).strip().lower())


NEEDS_NARRATIVE = ("at-risk", "off-track")

#: data/progress.csv, in this column order
PROGRESS_COLUMNS = ("action", "period", "revision", "status", "narrative", "evidence", "reported_by",
                    "reported_on", "entered_by", "entered_on", "source_file", "note")
#: data/readings.csv, in this column order
READINGS_COLUMNS = ("indicator", "period", "area", "revision", "value", "unit", "baseline", "area_code",
                    "source", "page", "line", "note", "entered_by", "entered_on", "authority")
AREAS = ("Kent", "Medway", "Kent and Medway")


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """A data table's header and rows (strings) as they are, for appending to."""
    text = Path(path).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), [dict(r) for r in reader]


def write_rows(path: Path, header, rows) -> None:
    """Write a data table atomically (temporary file + rename): all or nothing."""
    from .build import write_atomically
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(c) or "" for c in header])
    write_atomically(path, buf.getvalue())


def slug(text: str) -> str:
    """As build.slug: lower case, runs of other characters as one hyphen (2020/21 -> 2020-21)."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def literal_date(day: _dt.date) -> Literal:
    from rdflib.namespace import XSD
    return Literal(day, datatype=XSD.date)


def format_problems(problems: list[str], what: str) -> str:
    head = f"{what}: nothing was imported, because of {len(problems)} problem(s):"
    shown = problems[:40]
    more = [f"... and {len(problems) - 40} more"] if len(problems) > 40 else []
    return "\n".join([head, *("  " + p for p in shown), *more])


# --- checks and RDF rules for the two tables (declared in tables.TABLES) -----------------------

def _rev(row) -> int:
    revs = row.get("revision", [])
    return revs[0] if revs else 1


def check_monitoring_tables(tables: dict, data_dir: Path) -> None:
    """What a column declaration cannot check in progress.csv and readings.csv."""
    from .tables import TableError
    actions = {r["id"]: r for r in tables.get("actions", [])}
    for row in tables.get("progress", []):
        where = Path(data_dir) / "progress.csv"
        if len(row.get("revision", [])) != 1 or _rev(row) < 1:
            raise TableError(where, row.number, "revision", "one whole number from 1")
        if row.get("action_removed"):
            pass   # an action since removed from actions.csv: whose it was is the return's reported_by
        elif row["reported_by"] != actions[row["action"]]["directorate"]:
            raise TableError(where, row.number, "reported_by",
                             f"'{row['reported_by']}' does not own action {row['action']} "
                             f"({actions[row['action']]['directorate']} does)")
        if row["status"] in NEEDS_NARRATIVE and not row.get("narrative"):
            raise TableError(where, row.number, "narrative", f"a return of '{row['status']}' needs a narrative")
    for row in tables.get("readings", []):
        where = Path(data_dir) / "readings.csv"
        if len(row.get("revision", [])) != 1 or _rev(row) < 1:
            raise TableError(where, row.number, "revision", "one whole number from 1")
    for name, key in (("progress", ("action", "period")), ("readings", ("indicator", "area", "period"))):
        groups: dict[tuple, list] = {}
        for row in tables.get(name, []):
            groups.setdefault(tuple(row[k] for k in key), []).append(row)
        for group in groups.values():
            revs = sorted(_rev(r) for r in group)
            if revs != list(range(1, len(revs) + 1)):
                raise TableError(Path(data_dir) / f"{name}.csv", group[-1].number, "revision",
                                 f"revisions of {'/'.join(str(group[0][k]) for k in key)} must run 1, 2, 3 ... "
                                 f"(found {', '.join(map(str, revs))})")


def derive_nodes(tables: dict) -> None:
    """Give each return and reading row its node id (`node`) and, when replaced, the node of
    the revision that replaced it (`replaced_by_node`); mark each action's latest return in
    force (`is_latest`)."""
    for name, key, fmt in (("progress", ("action", "period"), lambda r: f"{r['action']}-{r['period']}"),
                           ("readings", ("indicator", "area", "period"),
                            lambda r: f"{r['indicator']}_{slug(r['area'])}_{slug(r['period'])}")):
        groups: dict[tuple, list] = {}
        for row in tables.get(name, []):
            groups.setdefault(tuple(row[k] for k in key), []).append(row)
        for group in groups.values():
            group.sort(key=_rev)
            for i, row in enumerate(group):
                last = i == len(group) - 1
                row.values["node"] = fmt(row) + ("" if last else f"-r{_rev(row)}")
                row.values["replaced_by_node"] = None if last else group[i + 1].values.get("node") or (
                    fmt(row) + ("" if i + 1 == len(group) - 1 else f"-r{_rev(group[i + 1])}"))
    latest: dict[str, object] = {}
    for row in tables.get("progress", []):
        if row.values.get("replaced_by_node") is None:
            if row["action"] not in latest or row["period"] > latest[row["action"]]["period"]:
                latest[row["action"]] = row
    for row in latest.values():
        row.values["is_latest"] = True


def _latest_return(g, s, row, col, tables):
    """An action's latest return (the latest quarter returned, the revision in force) is its
    icsg:latestReturn: where its progress now stands."""
    from .namespaces import node
    if row.table == "progress" and row.values.get("is_latest") and not row.values.get("action_removed"):
        g.add((node("action", row["action"]), ICSG.latestReturn, s))


def _removed_action(g, s, row, col, tables):
    """A return for an action no longer in actions.csv (removed after its returns were recorded):
    the action's node is kept as an icsg:RemovedAction (not an icsg:Action: it is counted nowhere
    as one), with its code and a label that says so, so the progress update can list it (query
    removed-actions; whose it was is its returns' prov:wasAttributedTo). It takes none of an
    action's properties (ownedBy, latestReturn), whose domain would make it one again."""
    from rdflib.namespace import RDF
    from .namespaces import node
    if not row.get("action_removed"):
        return
    a = node("action", row["action"])
    g.add((a, RDF.type, ICSG.RemovedAction))
    g.add((a, ICSG.code, Literal(row["action"])))
    g.add((a, RDFS_LABEL, Literal(f"{row['action']} (no longer in data/actions.csv)", lang="en")))


def _replaced_by(g, s, row, col, tables):
    """A replaced return or reading points to the revision that replaced it (icsg:replacedBy)."""
    from .namespaces import ID
    if row.get("replaced_by_node"):
        kind = "return" if row.table == "progress" else "reading"
        g.add((s, ICSG.replacedBy, ID[f"{kind}/{row['replaced_by_node']}"]))


def _period_end(g, s, row, col, tables):
    """A return's quarter also gives its last day (icsg:periodEnd)."""
    from rdflib.namespace import XSD
    g.add((s, ICSG.periodEnd, Literal(Quarter.parse(row["period"]).end, datatype=XSD.date)))


def _return_label(g, s, row, col, tables):
    """A return is labelled 'Return for A-GET-03, 2025-Q4' (and 'replaced' when it was)."""
    g.add((s, RDFS_LABEL, Literal(f"Return for {row['action']}, {row['period']}"
                                  + (f" (revision {_rev(row)}, replaced)" if row.get("replaced_by_node") else ""),
                                  lang="en")))


def _reading_label(g, s, row, col, tables):
    """A reading is labelled with its indicator, area, period and value."""
    unit = row.get("unit") or ""
    value = format(row["value"], "f") + ("" if unit in ("", "%") else " ") + unit
    g.add((s, RDFS_LABEL, Literal(f"{row['indicator']}, {row['area']}, {row['period']}: {value}"
                                  + (" (replaced)" if row.get("replaced_by_node") else ""), lang="en")))


def _baseline_of_indicator(g, s, row, col, tables):
    """The reading the sources state as the baseline: icsg:isBaseline true, and the indicator's
    icsg:baselineReading."""
    from .namespaces import node
    if row.get("baseline") == "yes":
        g.add((s, ICSG.isBaseline, Literal(True)))
        g.add((node("indicator", row["indicator"]), ICSG.baselineReading, s))


from rdflib.namespace import RDFS as _RDFS  # noqa: E402
RDFS_LABEL = _RDFS.label
RULES = {
    "replaced-by": _replaced_by,
    "removed-action": _removed_action,
    "latest-return": _latest_return,
    "period-end": _period_end,
    "return-label": _return_label,
    "reading-label": _reading_label,
    "baseline-of-indicator": _baseline_of_indicator,
}
