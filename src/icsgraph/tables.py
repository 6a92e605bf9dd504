"""The curated tables under data/: what each holds, and a strict reader.

Every table is declared once in TABLES (columns, which are required, what kind of value
each holds and which table an id must exist in) together with the RDF it becomes, in the
manner of W3C CSVW: a subject template per table (`about`, CSVW `aboutUrl`), per column the
property (`prop`, `propertyUrl`), datatype and link target (`link`, `valueUrl`), constant
types as virtual columns. build.py is one loop over these declarations. `read_tables` reads them all and checks
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

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from .namespaces import ICSG, ID, ORG, PROV, QB, SDMX_ATTRIBUTE, SDMX_DIMENSION, SDMX_MEASURE, STATUS

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
    """One column: how its cells are checked, and (CSVW-style) what each becomes in RDF.

    Checking: `kind` (text | id | ref | refs | outcome | outcomes | topics | list | date |
    decimal | ints | enum | period), `required`, `table` (ref/refs: the table an id must be in), `choices`.

    Mapping (each value of the cell, a list cell giving one triple per item):
    - `prop`: the property (CSVW `propertyUrl`), or a tuple of them; None = not written;
    - `datatype`: the literal it becomes: "en" (text in English), "string" (plain text),
      "date", "decimal", "integer"; or "iri" when `link` or `values` makes it a node;
    - `link`: the node kind the value names (CSVW `valueUrl` `id/{link}/{value}`; "topic" =
      the topic scheme); `slug`: the value is slugged first (`id/officer/jane-smith`);
    - `inverse`: a property written from the linked node back to the row's node;
    - `values`: fixed IRIs per cell value (e.g. type Plan -> icsg:Plan);
    - `template`: a literal made from the cell (`"data/sources/{}"`);
    - `unless_same_as`: skip a value equal to this column's (an alt label equal to the label);
    - `rule`: a named exception in build.RULES (or a tuple of names), run after the
      declared triples, for what a declaration cannot say.
    """
    name: str
    kind: str = "text"
    required: bool = False
    table: str | None = None
    choices: tuple[str, ...] = ()
    prop: object = None
    datatype: str | None = None
    link: str | None = None
    inverse: object = None
    values: dict | None = None
    template: str | None = None
    slug: bool = False
    unless_same_as: str | None = None
    rule: str | tuple[str, ...] | None = None
    # ref: an id no longer in its table is kept, marked `<name>_removed` (a progress return for
    # an action since removed from actions.csv: monitoring's removed-action rule)
    may_be_removed: bool = False

    @property
    def rules(self) -> tuple[str, ...]:
        if self.rule is None:
            return ()
        return self.rule if isinstance(self.rule, tuple) else (self.rule,)

    @property
    def props(self) -> tuple:
        if self.prop is None:
            return ()
        return self.prop if isinstance(self.prop, tuple) else (self.prop,)


@dataclass(frozen=True)
class Virtual:
    """A constant triple every row's node gets (CSVW virtual column), e.g. its class."""
    prop: object
    value: object


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("id",)
    optional_file: bool = False
    #: the subject of a row's triples (CSVW `aboutUrl`): `id/` + this template, filled from
    #: the row's cells (`{column}`; `{column|slug}` slugs the value)
    about: str | None = None
    virtual: tuple[Virtual, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name):
        return next(c for c in self.columns if c.name == name)


def _prov(raw_text: bool = False):
    """Where a row's fact comes from: a citation (source document and line, with page) or,
    for a fact no source document holds, an officer's entry (who, when, on what authority).
    Each row has exactly one of the two (checked in `check_provenance`)."""
    cols = [
        Column("source", "ref", False, "documents", prop=DCTERMS.source, link="document"),
        Column("page", "ints", prop=ICSG.page, datatype="integer"),
        Column("line", "ints", prop=ICSG.line, datatype="integer"),
    ]
    if raw_text:
        cols.append(Column("raw_text", prop=ICSG.rawText, datatype="string"))
    cols.append(Column("note", prop=SKOS.editorialNote, datatype="en"))
    cols += OFFICER_ENTRY
    return tuple(cols)


#: an officer's entry, instead of source/page/line (PROV-O in the graph)
OFFICER_ENTRY = [
    Column("entered_by", prop=PROV.wasAttributedTo, link="officer", slug=True, rule="officer-agent"),
    Column("entered_on", "date", prop=PROV.generatedAtTime, datatype="date"),
    Column("authority", prop=ICSG.authority, datatype="string"),
]
CITATION_COLUMNS = ("source", "line")
ENTRY_COLUMNS = ("entered_by", "entered_on", "authority")


C = Column
STATUS_NOTATIONS = ("not-started", "on-track", "at-risk", "off-track", "complete", "stopped")  # ontology/status.ttl
PERIOD = re.compile(r"^\d{4}-Q[1-4]$")
EN, STR = "en", "string"
CODE = dict(prop=ICSG.code, datatype=STR)          # the id, also written as the node's code
LABEL = dict(prop=RDFS.label, datatype=EN)
ALT = dict(prop=SKOS.altLabel, datatype=EN, unless_same_as="label")
DESCRIPTION = dict(prop=DCTERMS.description, datatype=EN)
TOPICS = dict(prop=DCTERMS.subject, link="topic")
MECHANISM_TYPES = ("Plan", "Service", "Programme", "Partnership", "Activity")

TABLES: tuple[Table, ...] = (
    Table("documents", (
        C("id", "id", True), C("file", required=True, prop=ICSG.file, datatype=STR, template="data/sources/{}"),
        C("title", required=True, prop=(RDFS.label, DCTERMS.title), datatype=EN),
        C("publisher", "ref", False, "organisations", prop=DCTERMS.publisher, link="organisation"),
        C("date", "date", prop=DCTERMS.date, datatype="date"),
        C("note", prop=SKOS.editorialNote, datatype=EN)),
        about="document/{id}", virtual=(Virtual(RDF.type, ICSG.SourceDocument),)),
    Table("strategies", (
        C("id", "id", True),
        C("type", "enum", True, choices=("Strategy", "DeliveryPlan"), prop=RDF.type,
          values={"Strategy": ICSG.Strategy, "DeliveryPlan": ICSG.DeliveryPlan}),
        C("label", required=True, **LABEL), C("alt_labels", "list", **ALT), C("description", **DESCRIPTION),
        C("delivers", "ref", False, "strategies", prop=ICSG.delivers, link="strategy"),
        C("decision", prop=ICSG.decision, datatype=STR),
        C("date", "date", prop=DCTERMS.date, datatype="date")) + _prov(),
        about="strategy/{id}"),
    Table("outcomes", (
        C("id", "outcome", True, **CODE), C("label", required=True, **LABEL), C("alt_labels", "list", **ALT),
        C("description", **DESCRIPTION),
        C("strategy", "ref", True, "strategies", prop=ICSG.outcomeOf, link="strategy",
          inverse=ICSG.hasOutcome)) + _prov(),
        about="outcome/{id}", virtual=(Virtual(RDF.type, ICSG.SharedOutcome),)),
    Table("priorities", (
        C("id", "id", True, **CODE),
        C("outcome", "ref", True, "outcomes", prop=ICSG.priorityOf, link="outcome", inverse=ICSG.hasPriority),
        C("label", required=True, **LABEL), C("alt_labels", "list", **ALT),
        C("description", **DESCRIPTION)) + _prov(),
        about="priority/{id}", virtual=(Virtual(RDF.type, ICSG.Priority),)),
    Table("enablers", (
        C("id", "id", True, **CODE), C("label", required=True, **LABEL), C("alt_labels", "list", **ALT),
        C("description", **DESCRIPTION),
        C("strategy", "ref", True, "strategies", link="strategy", inverse=ICSG.hasEnabler)) + _prov(),
        about="enabler/{id}", virtual=(Virtual(RDF.type, ICSG.Enabler),)),
    Table("organisations", (
        C("id", "id", True),
        C("type", "enum", True, choices=("Organisation", "Directorate"), prop=RDF.type,
          values={"Organisation": ICSG.Organisation, "Directorate": ICSG.Directorate}),
        C("code", prop=ICSG.code, datatype=STR),
        C("label", required=True, **LABEL), C("alt_labels", "list", **ALT),
        C("parent", "ref", False, "organisations", prop=ORG.unitOf, link="organisation"),
        C("role", "enum", choices=("statutory-partner", "partner"), prop=ICSG.role, datatype=STR,
          rule="partner-of-strategy")) + _prov(),
        about="organisation/{id}"),
    Table("indicators", (
        C("id", "id", True, **CODE),
        C("outcome", "ref", False, "outcomes", prop=ICSG.indicatorOf, link="outcome", inverse=ICSG.hasIndicator),
        C("label", required=True, **LABEL), C("text", required=True, **DESCRIPTION),
        C("unit", prop=ICSG.unit, datatype=STR),
        C("target_value", "decimal", prop=ICSG.targetValue, datatype="decimal"),
        C("target_text", prop=ICSG.targetText, datatype=STR),
        C("target_year", prop=ICSG.targetYear, datatype=STR),
        C("direction", "enum", choices=("reduce", "increase", "maintain", "milestone"),
          prop=ICSG.direction, datatype=STR),
        C("geography", "enum", choices=("Kent", "Medway", "Kent and Medway"), prop=ICSG.geography, datatype=STR),
        C("status", "enum", True, choices=("defined", "to-be-developed"), prop=ICSG.indicatorStatus, datatype=STR),
        C("fingertips_id", "list", prop=ICSG.fingertipsId, datatype=STR),
        C("topics", "topics", **TOPICS)) + _prov(raw_text=True),
        about="indicator/{id}", virtual=(Virtual(RDF.type, ICSG.Indicator),)),
    Table("voices", (
        C("id", "id", True),
        C("outcome", "ref", False, "outcomes", prop=ICSG.aboutOutcome, link="outcome", rule="else-about-strategy"),
        C("kind", "enum", True, choices=("what-we-heard", "i-statement"), prop=RDF.type,
          values={"what-we-heard": ICSG.WhatWeHeard, "i-statement": ICSG.IStatement}),
        C("text", required=True, **LABEL)) + _prov(raw_text=True),
        about="voice/{id}"),
    Table("mechanisms", (
        C("id", "id", True),
        C("type", "enum", True, choices=MECHANISM_TYPES, prop=RDF.type,
          values={t: ICSG[t] for t in MECHANISM_TYPES}),
        C("label", required=True, **LABEL), C("aliases", "list", **ALT),
        C("run_by", "ref", False, "organisations", prop=ICSG.runBy, link="organisation"),
        C("description", **DESCRIPTION), C("topics", "topics", **TOPICS)) + _prov(),
        about="mechanism/{id}"),
    Table("commitments", (
        C("id", "id", True, **CODE),
        C("directorate", "ref", True, "organisations", prop=ICSG.madeBy, link="organisation",
          inverse=ICSG.madeCommitment),
        C("outcome", "ref", True, "outcomes", prop=ICSG.underOutcome, link="outcome"),
        C("priority", "ref", False, "priorities", prop=ICSG.underPriority, link="priority"),
        C("label", required=True, **LABEL), C("topics", "topics", **TOPICS)) + _prov(raw_text=True),
        about="commitment/{id}", virtual=(Virtual(RDF.type, ICSG.Commitment),)),
    Table("commitment_mechanisms", (
        C("commitment", "ref", True, "commitments"),
        C("mechanism", "ref", True, "mechanisms", prop=ICSG.deliveredThrough, link="mechanism",
          inverse=ICSG.helpsDeliver),
        C("as_written", required=True, rule="hidden-label-of-mechanism"),
        C("note")),
        key=("commitment", "mechanism"), about="commitment/{commitment}"),
    Table("actions", (
        C("id", "id", True, **CODE),
        C("directorate", "ref", True, "organisations", prop=ICSG.ownedBy, link="organisation"),
        C("section", prop=ICSG.section, datatype=STR),
        C("title", required=True, prop=(RDFS.label, ICSG.title), datatype=EN),
        C("text", required=True, **DESCRIPTION), C("lead", prop=ICSG.leadRole, datatype=STR),
        C("timescale", prop=ICSG.timescale, datatype=STR),
        C("due_date", "date", prop=ICSG.dueDate, datatype="date"),
        C("measure", prop=ICSG.measure, datatype=STR),
        C("outcomes", "outcomes", prop=ICSG.contributesTo, link="outcome"),
        C("outcomes_raw", prop=ICSG.outcomeCodesAsWritten, datatype=STR),
        C("enabler", "ref", False, "enablers", prop=ICSG.supportsEnabler, link="enabler"),
        C("topics", "topics", **TOPICS)) + _prov(raw_text=True),
        about="action/{id}", virtual=(Virtual(RDF.type, ICSG.Action),)),
    Table("action_services", (
        C("id", "id", True), C("section", prop=ICSG.section, datatype=STR),
        C("actions", "refs", False, "actions", prop=ICSG.involvedIn, link="action"),
        C("directorate", "ref", False, "organisations"),
        C("mechanism", "ref", True, "mechanisms", prop=ICSG.involvedService, link="mechanism"),
        C("outcomes", "outcomes", prop=ICSG.involvementOutcome, link="outcome"),
        C("outcomes_raw", prop=ICSG.outcomeCodesAsWritten, datatype=STR),
        C("as_written", rule=("label-else-mechanism-label", "hidden-label-of-mechanism"))) + _prov(),
        optional_file=True, about="service-involvement/{id}",
        virtual=(Virtual(RDF.type, ICSG.ServiceInvolvement),)),
    Table("logframe", (
        C("id", "id", True, **CODE),
        C("directorate", "ref", True, "organisations", prop=ICSG.trackedBy, link="organisation",
          inverse=ICSG.keepsLogframeEntry),
        C("indicator", "ref", True, "indicators", prop=ICSG.tracksIndicator, link="indicator"),
        C("text", required=True, **LABEL), C("timescale", prop=ICSG.timescale, datatype=STR),
        C("progress", prop=ICSG.progress, datatype=STR)) + _prov(raw_text=True),
        optional_file=True, about="logframe-entry/{id}", virtual=(Virtual(RDF.type, ICSG.LogframeEntry),)),
    # The quarterly monitoring cycle (see monitoring.py). A return or reading is never edited
    # in place: a later revision is added, and the one in force is the highest. `node` is
    # derived (monitoring.derive_nodes): the one in force has the plain id, replaced ones a
    # "-r<revision>" suffix, as the node of the next revision says (rule replaced-by).
    Table("progress", (
        C("action", "ref", True, "actions", prop=ICSG.returnFor, link="action", rule=("return-label", "removed-action"),
          may_be_removed=True),
        C("period", "period", True, prop=ICSG.period, datatype=STR, rule="period-end"),
        C("revision", "ints", True, prop=ICSG.revision, datatype="integer", rule=("replaced-by", "latest-return")),
        C("status", "enum", True, choices=STATUS_NOTATIONS, prop=ICSG.status,
          values={n: STATUS[n] for n in STATUS_NOTATIONS}),
        C("narrative", prop=ICSG.narrative, datatype=STR), C("evidence", prop=ICSG.evidence, datatype=STR),
        C("reported_by", "ref", True, "organisations", prop=PROV.wasAttributedTo, link="organisation"),
        C("reported_on", "date", True, prop=ICSG.reportedOn, datatype="date"),
        C("entered_by", prop=ICSG.enteredBy, datatype=STR),
        C("entered_on", "date", True, prop=(ICSG.recordedOn, PROV.generatedAtTime), datatype="date"),
        C("source_file", prop=ICSG.sourceFile, datatype=STR),
        C("note", prop=SKOS.editorialNote, datatype=EN)),
        key=("action", "period", "revision"), optional_file=True, about="return/{node}",
        virtual=(Virtual(RDF.type, ICSG.ProgressReturn),)),
    Table("readings", (
        C("indicator", "ref", True, "indicators", prop=ICSG.indicator, link="indicator", rule="reading-label"),
        C("period", required=True, prop=SDMX_DIMENSION.refPeriod, datatype=STR),
        C("area", "enum", True, choices=("Kent", "Medway", "Kent and Medway"), prop=SDMX_DIMENSION.refArea,
          datatype=STR),
        C("revision", "ints", True, prop=ICSG.revision, datatype="integer", rule="replaced-by"),
        C("value", "decimal", True, prop=SDMX_MEASURE.obsValue, datatype="decimal"),
        C("unit", prop=SDMX_ATTRIBUTE.unitMeasure, datatype=STR),
        C("baseline", "enum", choices=("yes",), rule="baseline-of-indicator"),
        C("area_code", prop=ICSG.areaCode, datatype=STR)) + _prov(),
        key=("indicator", "area", "period", "revision"), optional_file=True, about="reading/{node}",
        virtual=(Virtual(RDF.type, QB.Observation), Virtual(QB.dataSet, ID["dataset/readings"]))),
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


UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(cell: str) -> _dt.date:
    """An ISO date (2026-03-31) or a UK one as Excel writes it (31/03/2026, 1/4/2026)."""
    m = UK_DATE.match(cell)
    if m:
        day, month, year = map(int, m.groups())
        return _dt.date(year, month, day)
    return _dt.date.fromisoformat(cell)


def norm_name(text: str) -> str:
    """A name with case, spaces and punctuation aside: 'Public-Health ' -> 'publichealth'."""
    return re.sub(r"[^a-z0-9]+", "", str(text).lower())


def closest(text: str, names, n: int = 3) -> list[str]:
    """The valid names nearest to what was written (case and punctuation aside)."""
    from difflib import get_close_matches
    names = sorted(set(names))
    by_norm = {}
    for name in names:
        by_norm.setdefault(norm_name(name), name)
    keys = get_close_matches(norm_name(text), list(by_norm), n=n, cutoff=0.5)
    if not keys:  # a word of a longer name ('wardens')
        keys = [k for k in by_norm if norm_name(text) and norm_name(text) in k][:n]
    if not keys:  # nothing near: still name the least far, so a message always offers some
        keys = get_close_matches(norm_name(text), list(by_norm), n=n, cutoff=0)
    return [by_norm[k] for k in keys]


def _parse(col: Column, cell: str, where):
    if cell == "":
        return [] if col.kind in ("list", "refs", "outcomes", "topics", "ints") else None
    if col.kind in ("text", "ref"):
        return cell  # a ref may name its target by id or by name: resolved in check_links
    if col.kind == "id":
        if not IDENT.fullmatch(cell):
            raise TableError(*where, f"id '{cell}' may hold only letters, digits, - and _")
        return cell
    if col.kind == "period":
        if not PERIOD.match(cell):
            raise TableError(*where, f"'{cell}' is not a quarter written like 2025-Q4")
        return cell
    if col.kind == "outcome":
        if not OUTCOME_CODE.fullmatch(cell):
            raise TableError(*where, f"'{cell}' is not an outcome code SO1 to SO6")
        return cell
    if col.kind == "outcomes":
        codes = split_list(cell)
        for code in codes:
            if not OUTCOME_CODE.fullmatch(code):
                raise TableError(*where, f"'{code}' is not an outcome code SO1 to SO6 "
                                 "(put the source's spelling in outcomes_raw)")
        return codes
    if col.kind in ("list", "refs", "topics"):
        return split_list(cell)
    if col.kind == "enum":
        if cell in col.choices:
            return cell
        same = [c for c in col.choices if norm_name(c) == norm_name(cell)]
        if len(same) == 1:
            return same[0]
        near = closest(cell, col.choices, 1)
        hint = f"did you mean {near[0]}? " if near else ""
        raise TableError(*where, f"'{cell}' is not one of: {', '.join(col.choices)} ({hint}"
                         "write one of these exactly)" if hint else
                         f"'{cell}' is not one of: {', '.join(col.choices)}")
    if col.kind == "date":
        try:
            return parse_date(cell)
        except ValueError:
            raise TableError(*where, f"'{cell}' is not a date written YYYY-MM-DD or DD/MM/YYYY "
                             "(e.g. 2026-03-31 or 31/03/2026)") from None
    if col.kind == "decimal":
        if not re.fullmatch(r"[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)", cell):
            raise TableError(*where, f"'{cell}' is not a number (write it like 7.3 or 1,250)")
        try:
            return Decimal(cell.replace(",", ""))
        except InvalidOperation:
            raise TableError(*where, f"'{cell}' is not a number") from None
    if col.kind == "ints":
        out = []
        for item in split_list(cell):
            if not re.fullmatch(r"[0-9]+", item):
                raise TableError(*where, f"'{item}' is not a whole number")
            out.append(int(item))
        return out
    raise AssertionError(col.kind)


#: how each encoding read is named in the build's report
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark (Excel's \"CSV UTF-8\")",
    "cp1252": "Windows-1252 (Excel's \"CSV (Comma delimited)\" on a UK machine)",
}


def decode_table(path: Path) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in: "utf-8", "utf-8-sig" or
    "cp1252". UTF-8 is tried first, strictly: a Windows-1252 file with any character
    beyond ASCII (£, –, curly quotes) is never valid UTF-8 in practice, while every valid
    UTF-8 file is read as UTF-8. Only then Windows-1252, and only when the bytes are all
    defined there and hold no control characters (which rules out UTF-16 and binary files).
    Anything else is a TableError saying how to save the file."""
    data = Path(path).read_bytes()
    how = "save it from Excel as \"CSV UTF-8 (Comma delimited)\""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(path, None, None, f"the file is UTF-16 text (Excel's \"Unicode Text\"), "
                         f"which the build does not read: {how}")
    if data.startswith(b"PK\x03\x04"):
        raise TableError(path, None, None, f"the file is an Excel workbook (.xlsx), not CSV: {how}")
    if b"\x00" in data:
        raise TableError(path, None, None, f"the file holds NUL bytes: UTF-16 or binary, not a CSV "
                         f"the build reads: {how}")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise TableError(path, None, None, f"starts as UTF-8 but is not UTF-8 text "
                             f"({e.reason} at byte {e.start + 3}): {how}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = f"{e.reason} at byte {e.start}"
    bad = re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)
    if bad:
        kind = "UTF-16 or binary" if b"\x00" in data else "binary"
        raise TableError(path, None, None, f"not text in UTF-8 or Windows-1252 (control byte "
                         f"0x{data[bad.start()]:02x} at byte {bad.start()}; {kind}?): {how}")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as e:
        raise TableError(path, None, None, f"neither UTF-8 ({utf8_error}) nor Windows-1252 text "
                         f"(byte 0x{data[e.start]:02x} at byte {e.start}): {how}") from None


def check_provenance(values: dict, path, number) -> None:
    """A row either cites the document that holds it (source and line) or is an officer's
    entry (entered_by, entered_on, authority): one or the other, complete."""
    cited = [c for c in CITATION_COLUMNS + ("page",) if values.get(c) not in (None, [])]
    entered = [c for c in ENTRY_COLUMNS if values.get(c) not in (None, [])]
    how = ("give source and line (the document and line that hold this row), or, for a fact no "
           "source document holds, leave source, page and line empty and give entered_by (who), "
           "entered_on (the date) and authority (e.g. the meeting that agreed it)")
    if cited and entered:
        raise TableError(path, number, entered[0], "a row is either cited (source, line) or an officer's "
                         "entry (entered_by, entered_on, authority), not both: " + how)
    if entered:
        for c in ENTRY_COLUMNS:
            if values.get(c) in (None, []):
                raise TableError(path, number, c, "empty, but this row is an officer's entry: " + how)
        return
    for c in CITATION_COLUMNS:
        if values.get(c) in (None, []):
            raise TableError(path, number, c, "empty: " + how)


def read_table(table: Table, path: Path, notes: list[str] | None = None) -> list[Row]:
    """Read and check one CSV file against its declaration (cells, not links). When the
    file is not plain UTF-8, `notes` gets a sentence saying which encoding was read."""
    text, encoding = decode_table(path)
    if encoding != "utf-8" and notes is not None:
        notes.append(f"{path.name}: read as {ENCODING_NAMES[encoding]}")
    try:
        records = list(csv.reader(text.splitlines(keepends=True)))
    except csv.Error as e:
        raise TableError(path, None, None, f"not readable as CSV ({e}): save it again from the "
                         "spreadsheet as CSV") from None
    reader = iter(records)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError(path, 1, None, "the file is empty: it needs a header row") from None
    header = [h.strip() for h in header]
    for i, name in enumerate(header):
        if name in header[:i]:
            raise TableError(path, 1, name, "the column appears twice in the header")
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
        if "source" in known:
            check_provenance(values, path, number)
        key = tuple(str(values[k]) for k in table.key)
        if key in seen:
            raise TableError(path, number, table.key[0],
                             f"duplicate {'/'.join(table.key)} '{'/'.join(key)}' (first on row {seen[key]})")
        seen[key] = number
        rows.append(Row(table.name, number, values))
    return rows


PRIMARY_NAME_COLUMNS = ("code", "label", "title")
OTHER_NAME_COLUMNS = ("alt_labels", "aliases")


class Names:
    """What a link column may name a row of one table by: its id; else its code, label or
    title; else another name (alt label, alias) — case, spaces and punctuation aside, when
    that names one row (a primary name wins over another row's other name)."""

    def __init__(self, what: str, primary: dict[str, list[str]], others: dict[str, list[str]], home: str):
        self.what, self.home, self.ids = what, home, set(primary)
        self.tiers: list[dict[str, set[str]]] = [{}, {}]
        self.shown: dict[str, str] = {}  # every name, for suggestions -> its id
        for ident in sorted(self.ids):
            for tier, names in ((0, [ident, *primary.get(ident, [])]), (1, others.get(ident, []))):
                for name in names:
                    if norm_name(name):
                        self.tiers[tier].setdefault(norm_name(name), set()).add(ident)
                        self.shown.setdefault(name, ident)

    def resolve(self, text: str, where) -> str:
        if text in self.ids:
            return text
        for tier in self.tiers:
            found = tier.get(norm_name(text), set())
            if len(found) == 1:
                return next(iter(found))
            if len(found) > 1:
                raise TableError(*where, f"'{text}' could be any of the {self.what}s "
                                 f"{', '.join(sorted(found))}: write the id of the one you mean")
        suggestions = []
        for name in closest(text, self.shown, 6):
            ident = self.shown[name]
            if ident not in [s.split(" ")[0] for s in suggestions]:
                suggestions.append(f"{ident} ({name})" if name != ident else ident)
        hint = f"; did you mean {' or '.join(suggestions[:3])}?" if suggestions else ""
        raise TableError(*where, f"unknown {self.what} '{text}' (not in {self.home}){hint}")


def _names(row: Row, columns) -> list[str]:
    found = []
    for col in columns:
        v = row.values.get(col)
        found += v if isinstance(v, list) else ([v] if v else [])
    return found


def _table_names(name: str, rows: list[Row]) -> Names:
    return Names(f"{name} id", {r["id"]: _names(r, PRIMARY_NAME_COLUMNS) for r in rows},
                 {r["id"]: _names(r, OTHER_NAME_COLUMNS) for r in rows}, f"{name}.csv")


def topic_names(topics) -> dict[str, list[str]]:
    """{topic id: [preferred label, other labels…]} from such a mapping, or from a plain set
    of ids (no names)."""
    return dict(topics) if isinstance(topics, dict) else {t: [] for t in topics}


def check_links(tables: dict[str, list[Row]], data_dir: Path, topic_ids) -> None:
    """Every link must name a row of the table it points to (or a topic of the scheme):
    by id, or by a name that names exactly one (then the cell is read as that id).
    `topic_ids` is a set of topic ids or a mapping {topic id: [its labels]}."""
    names = {name: _table_names(name, rows) for name, rows in tables.items()
             if rows and "id" in rows[0].values}
    topics = topic_names(topic_ids)
    topic_index = Names("topic", {t: n[:1] for t, n in topics.items()},
                        {t: n[1:] for t, n in topics.items()}, "ontology/topics.ttl")
    for table in TABLES:
        for row in tables.get(table.name, []):
            for col in table.columns:
                value = row.values.get(col.name)
                if value in (None, []):
                    continue
                where = (data_dir / table.file, row.number, col.name)
                if col.kind in ("ref", "refs"):
                    index = names.get(col.table) or Names(f"{col.table} id", [], {}, f"{col.table}.csv")
                    if isinstance(value, list):
                        row.values[col.name] = [index.resolve(v, where) for v in value]
                    elif col.may_be_removed and value not in index.ids:
                        try:
                            row.values[col.name] = index.resolve(value, where)
                        except TableError:
                            row.values[f"{col.name}_removed"] = True   # kept as written
                    else:
                        row.values[col.name] = index.resolve(value, where)
                elif col.kind == "outcomes":
                    for item in value:
                        if item not in names["outcomes"].ids:
                            raise TableError(*where, f"outcome '{item}' is not in outcomes.csv")
                elif col.kind == "topics":
                    row.values[col.name] = [topic_index.resolve(v, where) for v in value]
    _check_keys_after_links(tables, data_dir)
    _check_consistency(tables, data_dir)


def _check_keys_after_links(tables, data_dir: Path) -> None:
    """Keys made of links are unique once names are read as ids."""
    for table in TABLES:
        if table.key == ("id",):
            continue
        seen = {}
        for row in tables.get(table.name, []):
            key = tuple(str(row.values[k]) for k in table.key)
            if key in seen:
                raise TableError(data_dir / table.file, row.number, table.key[0],
                                 f"duplicate {'/'.join(table.key)} '{'/'.join(key)}' (first on row {seen[key]})")
            seen[key] = row.number


def _check_consistency(tables, data_dir: Path) -> None:
    orgs = {r["id"]: r for r in tables["organisations"]}
    priorities = {r["id"]: r for r in tables["priorities"]}
    for table_name, column in (("commitments", "directorate"), ("actions", "directorate"),
                               ("logframe", "directorate")):
        for row in tables.get(table_name, []):
            if orgs[row[column]]["type"] != "Directorate":
                raise TableError(data_dir / f"{table_name}.csv", row.number, column,
                                 f"'{row[column]}' is an organisation, not a council directorate")
    # an id that carries a directorate code (C-SO2-PH-03, A-GET-07, LF-PH-1) names its own
    codes = {r["code"]: r["id"] for r in tables["organisations"] if r.get("code")}
    for table_name in ("commitments", "actions", "logframe"):
        for row in tables.get(table_name, []):
            in_id = [part for part in row["id"].split("-") if part in codes]
            own = orgs[row["directorate"]].get("code")
            if in_id and own and own not in in_id:
                raise TableError(data_dir / f"{table_name}.csv", row.number, "directorate",
                                 f"'{row['directorate']}' (code {own}) is not the directorate of id "
                                 f"'{row['id']}', whose code {in_id[0]} is {codes[in_id[0]]}'s")
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


def read_tables(data_dir: Path, topic_ids: set[str], notes: list[str] | None = None) -> dict[str, list[Row]]:
    """Read every curated table under data_dir and check cells and links; `notes` gets
    what an officer should know about how the files were read (encodings)."""
    data_dir = Path(data_dir)
    tables = {}
    for table in TABLES:
        path = data_dir / table.file
        if not path.exists():
            if table.optional_file:
                tables[table.name] = []
                continue
            raise TableError(path, None, None, "table is missing")
        tables[table.name] = read_table(table, path, notes)
    check_links(tables, data_dir, topic_ids)
    from .completeness import check_citations
    check_citations(tables, data_dir, notes)
    from .monitoring import check_monitoring_tables, derive_nodes
    check_monitoring_tables(tables, data_dir)
    derive_nodes(tables)
    return tables


def _curie(term) -> str:
    from .namespaces import PREFIXES
    text = str(term)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
        if text.startswith(str(ns)):
            return f"{prefix}:{text[len(str(ns)):]}"
    return f"<{text}>"


def _mapping_row(table: Table | None, col: Column) -> str:
    becomes = ", ".join(f"`{'a' if p == RDF.type else _curie(p)}`" for p in col.props)
    if col.inverse is not None:
        becomes += (", and " if becomes else "") + f"`{_curie(col.inverse)}` back from the target"
    if col.values:
        value = "; ".join(f"{k} → `{_curie(v)}`" for k, v in col.values.items())
    elif col.link == "topic":
        value = "`topic:{value}`"
    elif col.link:
        value = f"`id:{col.link}/{{value{' slugged' if col.slug else ''}}}`"
    elif col.props:
        value = {"en": "text (`@en`)", "string": "text", "date": "`xsd:date`",
                 "decimal": "`xsd:decimal`", "integer": "`xsd:integer`", None: "text"}[col.datatype]
        if col.template:
            value += f" `{col.template.replace('{}', '{value}')}`"
    else:
        value = ""
    if col.kind in ("list", "refs", "outcomes", "topics", "ints"):
        value += (" " if value else "") + "(one per `;` item)"
    if col.unless_same_as:
        value += f" (not when the same as `{col.unless_same_as}`)"
    if col.rules:
        becomes += (", and " if becomes else "") + "rule " + ", ".join(f"`{r}`" for r in col.rules)
    if table is not None and f"{{{col.name}}}" in (table.about or ""):
        becomes = "the node's id" + (f"; {becomes}" if becomes else "")
    return f"| {col.name} | {becomes or 'not written'} | {value} |"


PROVENANCE_COLUMNS = tuple(c.name for c in _prov(raw_text=True))


def mapping_markdown() -> str:
    """The RDF each table becomes, as Markdown, written from the declarations in TABLES
    (data/README.md carries it between the MAPPING markers; a test keeps it current)."""
    out = []
    head = ["| column | becomes | value |", "|---|---|---|"]
    for table in TABLES:
        out.append(f"### {table.file} → `id:{table.about}`")
        if table.virtual:
            out.append("Every row: " + "; ".join(
                f"`{'a' if v.prop == RDF.type else _curie(v.prop)} {_curie(v.value)}`" for v in table.virtual) + ".")
        names = {c.name for c in table.columns}
        prov = "source" in names
        if prov:
            out.append("Provenance columns as below (" + ", ".join(
                c for c in PROVENANCE_COLUMNS if c in names) + ").")
        out += [""] + head
        out += [_mapping_row(table, c) for c in table.columns if not (prov and c.name in PROVENANCE_COLUMNS)]
        out.append("")
    out.append("### Provenance columns (every table that has them)")
    out += [""] + head + [_mapping_row(None, c) for c in _prov(raw_text=True)] + [""]
    from .build import RULES
    out.append("Rules (named exceptions in `build.py`):")
    out.append("")
    for name, fn in RULES.items():
        out.append(f"- `{name}`: {' '.join(fn.__doc__.split())}")
    return "\n".join(out).rstrip() + "\n"
