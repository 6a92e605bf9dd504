"""The curated tables under data/: what each holds, and a strict reader.

Every table is declared once in TABLES (columns, which are required, what kind of value
each holds and which table an id must exist in). `read_tables` reads them all and checks
them; the first mistake raises TableError naming the file, the spreadsheet row (the header
is row 1) and the column. data/README.md explains the same tables for officers.
"""
from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

OUTCOME_CODE = re.compile(r"^SO[1-6]$")
IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class TableError(ValueError):
    """A mistake in a curated table, located to file, row and column."""

    def __init__(self, file, row, column, problem):
        self.file, self.row, self.column, self.problem = str(file), row, column, problem
        where = f"{self.file}"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"      # text | id | ref | refs | outcome | outcomes | topics | date | decimal | ints | enum
    required: bool = False
    table: str | None = None  # for ref/refs: the table whose id it must be
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("id",)
    optional_file: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name):
        return next(c for c in self.columns if c.name == name)


def _prov(raw_text: bool = False, source_required: bool = True):
    cols = [
        Column("source", "ref", source_required, "documents"),
        Column("page", "ints"),
        Column("line", "ints", source_required),
    ]
    if raw_text:
        cols.append(Column("raw_text"))
    cols.append(Column("note"))
    return tuple(cols)


C = Column
TABLES: tuple[Table, ...] = (
    Table("documents", (
        C("id", "id", True), C("file", required=True), C("title", required=True),
        C("publisher", "ref", False, "organisations"), C("date", "date"), C("note"))),
    Table("strategies", (
        C("id", "id", True), C("type", "enum", True, choices=("Strategy", "DeliveryPlan")),
        C("label", required=True), C("alt_labels", "list"), C("description"),
        C("delivers", "ref", False, "strategies"), C("decision"), C("date", "date")) + _prov()),
    Table("outcomes", (
        C("id", "outcome", True), C("label", required=True), C("alt_labels", "list"),
        C("description"), C("strategy", "ref", True, "strategies")) + _prov()),
    Table("priorities", (
        C("id", "id", True), C("outcome", "ref", True, "outcomes"), C("label", required=True),
        C("alt_labels", "list"), C("description")) + _prov()),
    Table("enablers", (
        C("id", "id", True), C("label", required=True), C("alt_labels", "list"),
        C("description"), C("strategy", "ref", True, "strategies")) + _prov()),
    Table("organisations", (
        C("id", "id", True), C("type", "enum", True, choices=("Organisation", "Directorate")),
        C("label", required=True), C("alt_labels", "list"),
        C("parent", "ref", False, "organisations"),
        C("role", "enum", choices=("statutory-partner", "partner"))) + _prov()),
    Table("indicators", (
        C("id", "id", True), C("outcome", "ref", False, "outcomes"), C("label", required=True),
        C("text", required=True), C("baseline_value", "decimal"), C("unit"),
        C("baseline_period"), C("target_value", "decimal"), C("target_text"), C("target_year"),
        C("direction", "enum", choices=("reduce", "increase", "maintain", "milestone")),
        C("geography", "enum", choices=("Kent", "Medway", "Kent and Medway")),
        C("status", "enum", True, choices=("defined", "to-be-developed")),
        C("topics", "topics")) + _prov(raw_text=True)),
    Table("voices", (
        C("id", "id", True), C("outcome", "ref", False, "outcomes"),
        C("kind", "enum", True, choices=("what-we-heard", "i-statement")),
        C("text", required=True)) + _prov(raw_text=True)),
    Table("mechanisms", (
        C("id", "id", True),
        C("type", "enum", True, choices=("Plan", "Service", "Programme", "Partnership", "Activity")),
        C("label", required=True), C("aliases", "list"), C("run_by", "ref", False, "organisations"),
        C("description"), C("topics", "topics")) + _prov()),
    Table("commitments", (
        C("id", "id", True), C("directorate", "ref", True, "organisations"),
        C("outcome", "ref", True, "outcomes"), C("priority", "ref", False, "priorities"),
        C("label", required=True), C("topics", "topics")) + _prov(raw_text=True)),
    Table("commitment_mechanisms", (
        C("commitment", "ref", True, "commitments"), C("mechanism", "ref", True, "mechanisms"),
        C("as_written", required=True), C("note")), key=("commitment", "mechanism")),
    Table("actions", (
        C("id", "id", True), C("directorate", "ref", True, "organisations"), C("section"),
        C("title", required=True), C("text", required=True), C("lead"), C("timescale"),
        C("due_date", "date"), C("measure"), C("outcomes", "outcomes"), C("outcomes_raw"),
        C("enabler", "ref", False, "enablers"), C("progress"),
        C("topics", "topics")) + _prov(raw_text=True)),
    Table("action_services", (
        C("id", "id", True), C("section"), C("actions", "refs", False, "actions"),
        C("directorate", "ref", False, "organisations"), C("mechanism", "ref", True, "mechanisms"),
        C("outcomes", "outcomes"), C("outcomes_raw"), C("as_written")) + _prov(),
        optional_file=True),
    Table("logframe", (
        C("id", "id", True), C("directorate", "ref", True, "organisations"),
        C("indicator", "ref", True, "indicators"), C("text", required=True), C("timescale"),
        C("progress")) + _prov(raw_text=True), optional_file=True),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


@dataclass
class Row:
    """One checked row: `values` holds parsed cells (lists for list kinds, None for empty)."""
    table: str
    number: int  # spreadsheet row number (header = 1)
    values: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.values[key]

    def get(self, key, default=None):
        v = self.values.get(key)
        return default if v in (None, [], "") else v


def split_list(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _parse(col: Column, cell: str, where):
    if cell == "":
        return [] if col.kind in ("list", "refs", "outcomes", "topics", "ints") else None
    if col.kind in ("text", "ref"):
        if col.kind == "ref" and not IDENT.match(cell):
            raise TableError(*where, f"'{cell}' is not an id (letters, digits, - and _)")
        return cell
    if col.kind == "id":
        if not IDENT.match(cell):
            raise TableError(*where, f"id '{cell}' may hold only letters, digits, - and _")
        return cell
    if col.kind == "outcome":
        if not OUTCOME_CODE.match(cell):
            raise TableError(*where, f"'{cell}' is not an outcome code SO1 to SO6")
        return cell
    if col.kind == "outcomes":
        codes = split_list(cell)
        for code in codes:
            if not OUTCOME_CODE.match(code):
                raise TableError(*where, f"'{code}' is not an outcome code SO1 to SO6 "
                                 "(put the source's spelling in outcomes_raw)")
        return codes
    if col.kind in ("list", "refs", "topics"):
        items = split_list(cell)
        if col.kind != "list":
            for item in items:
                if not IDENT.match(item):
                    raise TableError(*where, f"'{item}' is not an id")
        return items
    if col.kind == "enum":
        if cell not in col.choices:
            raise TableError(*where, f"'{cell}' is not one of: {', '.join(col.choices)}")
        return cell
    if col.kind == "date":
        try:
            return _dt.date.fromisoformat(cell)
        except ValueError:
            raise TableError(*where, f"'{cell}' is not a date written YYYY-MM-DD") from None
    if col.kind == "decimal":
        try:
            return Decimal(cell.replace(",", ""))
        except InvalidOperation:
            raise TableError(*where, f"'{cell}' is not a number") from None
    if col.kind == "ints":
        out = []
        for item in split_list(cell):
            if not item.isdigit():
                raise TableError(*where, f"'{item}' is not a whole number")
            out.append(int(item))
        return out
    raise AssertionError(col.kind)


def read_table(table: Table, path: Path) -> list[Row]:
    """Read and check one CSV file against its declaration (cells, not links)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise TableError(path, None, None, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        raise TableError(path, 1, None, "the file is empty: it needs a header row") from None
    header = [h.strip() for h in header]
    known = {c.name for c in table.columns}
    for name in header:
        if name not in known:
            raise TableError(path, 1, name, f"unknown column; {table.file} has: {', '.join(c.name for c in table.columns)}")
    for col in table.columns:
        if col.required and col.name not in header:
            raise TableError(path, 1, col.name, "required column is missing from the header")
    rows, seen = [], {}
    for i, cells in enumerate(reader):
        number = i + 2
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise TableError(path, number, None, f"{len(cells)} cells but the header has {len(header)} columns")
        cells = cells + [""] * (len(header) - len(cells))
        raw = {name: cell.strip() for name, cell in zip(header, cells)}
        values = {}
        for col in table.columns:
            cell = raw.get(col.name, "")
            where = (path, number, col.name)
            if col.required and cell == "":
                raise TableError(*where, "required cell is empty")
            values[col.name] = _parse(col, cell, where)
        key = tuple(str(values[k]) for k in table.key)
        if key in seen:
            raise TableError(path, number, table.key[0],
                             f"duplicate {'/'.join(table.key)} '{'/'.join(key)}' (first on row {seen[key]})")
        seen[key] = number
        rows.append(Row(table.name, number, values))
    return rows


def check_links(tables: dict[str, list[Row]], data_dir: Path, topic_ids: set[str]) -> None:
    """Every id in a link column must exist in the table it points to."""
    ids = {name: {r["id"] for r in rows if "id" in r.values} for name, rows in tables.items()}
    for table in TABLES:
        for row in tables.get(table.name, []):
            for col in table.columns:
                value = row.values.get(col.name)
                if value in (None, []):
                    continue
                where = (data_dir / table.file, row.number, col.name)
                if col.kind in ("ref", "refs"):
                    for item in value if isinstance(value, list) else [value]:
                        if item not in ids.get(col.table, set()):
                            raise TableError(*where, f"unknown {col.table} id '{item}' (not in {col.table}.csv)")
                elif col.kind == "outcomes":
                    for item in value:
                        if item not in ids["outcomes"]:
                            raise TableError(*where, f"outcome '{item}' is not in outcomes.csv")
                elif col.kind == "topics":
                    for item in value:
                        if item not in topic_ids:
                            raise TableError(*where, f"unknown topic '{item}' (not in ontology/topics.ttl)")
    _check_consistency(tables, data_dir)


def _check_consistency(tables, data_dir: Path) -> None:
    orgs = {r["id"]: r for r in tables["organisations"]}
    priorities = {r["id"]: r for r in tables["priorities"]}
    for table_name, column in (("commitments", "directorate"), ("actions", "directorate"),
                               ("logframe", "directorate")):
        for row in tables.get(table_name, []):
            if orgs[row[column]]["type"] != "Directorate":
                raise TableError(data_dir / f"{table_name}.csv", row.number, column,
                                 f"'{row[column]}' is an organisation, not a council directorate")
    for row in tables["commitments"]:
        if row.get("priority") is None:
            if not row.get("note"):
                raise TableError(data_dir / "commitments.csv", row.number, "priority",
                                 "empty: give the priority, or say in 'note' why none fits")
            continue
        if priorities[row["priority"]]["outcome"] != row["outcome"]:
            raise TableError(data_dir / "commitments.csv", row.number, "priority",
                             f"priority '{row['priority']}' belongs to {priorities[row['priority']]['outcome']}, "
                             f"not to {row['outcome']}")


def read_tables(data_dir: Path, topic_ids: set[str]) -> dict[str, list[Row]]:
    """Read every curated table under data_dir and check cells and links."""
    data_dir = Path(data_dir)
    tables = {}
    for table in TABLES:
        path = data_dir / table.file
        if not path.exists():
            if table.optional_file:
                tables[table.name] = []
                continue
            raise TableError(path, None, None, "table is missing")
        tables[table.name] = read_table(table, path)
    check_links(tables, data_dir, topic_ids)
    return tables
