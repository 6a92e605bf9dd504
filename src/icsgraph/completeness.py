"""Completeness against the sources: is every table row of Appendices A and B, every
strategy priority and every strategy indicator represented in the curated tables?

The check reads the source text files themselves. A table row of the Delivery Plan is a
line with a tab (the extraction kept cell boundaries as tabs) inside an appendix. A row
is represented when a curated row cites its line (`line` column), or when it is plainly
not a row of its own: a column header, a sub-heading (it repeats a priority or an action
section), or a continuation of the row above (its left-hand cell is empty or a stray page
number), or a line a note declares is not a row ("Source line N is not a row: ..."). Everything
else is reported as missing, with its line and text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .tables import Row

APPENDIX_A = ("KENT COUNTY COUNCIL ACTION TO IMPROVE HEALTH AND WELLBEING", "This page is intentionally left blank")
APPENDIX_B = ("Proposed Priorities to Improve Health and Wellbeing", "Thank you to Colleagues")
HEADERS = ("what we have committed to", "objectively verifiable indicators", "shared outcome\tnumber",
           "services involved in this activity include")
PAGE_NOISE = re.compile(r"^(?:p\s*a\s*g\s*g?\s*e?\s*\d*|page\s*\d*|\d{1,3})$", re.I)


@dataclass
class Missing:
    what: str
    file: str
    line: int
    text: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.what} not in the tables: {self.text[:120]}"


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _span(lines: list[str], start_marker: str, end_marker: str) -> range:
    start = next(i for i, l in enumerate(lines) if start_marker in l)
    end = next(i for i, l in enumerate(lines) if i > start and end_marker in l)
    return range(start, end)


def _cited(tables: dict[str, list[Row]], source: str, *names: str) -> set[int]:
    cited = set()
    for name in names:
        for row in tables.get(name, []):
            if row.get("source") == source:
                cited.update(row.get("line", []))
    return cited


def _headings(tables: dict[str, list[Row]]) -> set[str]:
    """Normalised texts that are sub-headings: priorities (all wordings) and action sections."""
    out = set()
    for row in tables["priorities"]:
        out.add(norm(row["label"]))
        out.update(norm(a) for a in row.get("alt_labels", []))
    for row in tables["actions"] + tables.get("action_services", []):
        if row.get("section"):
            out.add(norm(row["section"]))
    for row in tables["enablers"]:
        out.add(norm(row["label"]))
    out.add(norm("Enabler"))
    return {h for h in out if h}


def _is_heading(cells: list[str], headings: set[str]) -> bool:
    """The line repeats a heading: exactly, cut short, or split across cells by the
    extraction (which sometimes doubles a letter at the split)."""
    from difflib import SequenceMatcher
    candidates = [norm("".join(cells))] + [norm(c) for c in cells]
    for text in candidates:
        if not text:
            continue
        for h in headings:
            if text == h or (len(text) >= 25 and (h.startswith(text) or text.startswith(h))):
                return True
            if len(text) >= 25 and SequenceMatcher(None, text, h).ratio() >= 0.9:
                return True
    return not candidates[0]


def _lines_named_in_notes(tables: dict[str, list[Row]]) -> set[int]:
    """Source lines a note declares are not rows ("Source line 690 is not a row ...",
    "Source lines 830-831 are not a row ..."): the transcriber's recorded decision about
    text that is neither a row, a heading nor a continuation."""
    named = set()
    pattern = re.compile(r"Source lines? (\d+)(?:\s*[-–]\s*(\d+))? (?:is|are) not a row")
    for rows in tables.values():
        for row in rows:
            for m in pattern.finditer(row.get("note") or ""):
                first = int(m.group(1))
                named.update(range(first, int(m.group(2) or first) + 1))
    return named


def check_delivery_plan(tables: dict[str, list[Row]], text: str, file: str = "delivery-plan") -> list[Missing]:
    lines = text.splitlines()
    cited = _cited(tables, "delivery-plan", "commitments", "actions", "logframe", "action_services")
    cited |= _lines_named_in_notes(tables)
    headings = _headings(tables)
    missing = []
    for what, span in (("Appendix A row", _span(lines, *APPENDIX_A)), ("Appendix B row", _span(lines, *APPENDIX_B))):
        for i in span:
            line = lines[i]
            if "\t" not in line or (i + 1) in cited:
                continue
            cells = [c.strip() for c in line.split("\t")]
            if len(re.sub(r"[^a-z]", "", cells[0].lower())) <= 2 or PAGE_NOISE.match(cells[0]):
                continue  # continuation of the row above (left cell empty or a stray page number)
            if any(line.lower().startswith(h) for h in HEADERS) or _is_heading(cells, headings):
                continue
            if re.fullmatch(r"(?:S\s*O\s*\d[\s,]*)+", cells[-1]) and len([c for c in cells if c]) == 2 \
                    and norm(cells[0]) in {norm(r.get("as_written") or "") for r in tables.get("action_services", [])}:
                continue
            missing.append(Missing(what, file, i + 1, line.replace("\t", " | ")))
    return missing


def check_strategy(tables: dict[str, list[Row]], text: str, file: str = "strategy") -> list[Missing]:
    """Every 'Priorities to deliver this outcome' heading and every indicator sentence."""
    lines = text.splitlines()
    labels = {norm(r["label"]) for r in tables["priorities"]}
    voices = {norm(r["text"]) for r in tables["voices"]}
    indicator_lines = _cited(tables, "strategy", "indicators")
    missing = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("Indicators for this outcome"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith(("I ", "My ", "Shared outcome", "Enablers")):
                if lines[j].strip() and not lines[j].startswith("Shared workforce indicators") \
                        and norm(lines[j]) not in voices and (j + 1) not in indicator_lines:
                    missing.append(Missing("strategy indicator", file, j + 1, lines[j]))
                j += 1
            i = j
            continue
        i += 1
    # priority headings: short lines between "Priorities to deliver" and "Indicators for"
    in_priorities = False
    for n, line in enumerate(lines, start=1):
        if line.startswith("Priorities to deliver this outcome"):
            in_priorities = True
            continue
        if line.startswith("Indicators for this outcome"):
            in_priorities = False
        if in_priorities and line.strip() and len(line) < 160 and not line.startswith(("-", "What we heard", "Together we will")) \
                and not line.startswith("We ") and norm(line) not in labels:
            missing.append(Missing("strategy priority", file, n, line))
    return missing


def check_all(tables: dict[str, list[Row]], sources_dir: Path) -> list[Missing]:
    files = {r["id"]: r["file"] for r in tables["documents"]}
    plan = (Path(sources_dir) / files["delivery-plan"]).read_text(encoding="utf-8")
    strategy = (Path(sources_dir) / files["strategy"]).read_text(encoding="utf-8")
    return check_delivery_plan(tables, plan, files["delivery-plan"]) + check_strategy(tables, strategy, files["strategy"])


# --- citations: does the cited line hold the row's text? --------------------------------

#: a citation holds when the first CITED_PREFIX letters and digits of one of the row's texts
#: appear on the cited line or within CITED_WINDOW lines of it (measured on the real tables:
#: all 898 cited lines pass, see data/README.md)
CITED_PREFIX = 20
CITED_WINDOW = 2
TEXT_COLUMNS = ("raw_text", "label", "text", "title", "as_written", "alt_labels", "aliases")


def row_texts(table: str, row: Row, as_written: dict[str, list[str]]) -> list[str]:
    """The texts a cited line should hold: the source's own wording (raw_text) and the
    row's label, text, title and other names; for a plan or service, also each wording
    `as_written` where a commitment or an action names it."""
    texts = []
    for col in TEXT_COLUMNS:
        v = row.values.get(col)
        texts += v if isinstance(v, list) else ([v] if v else [])
    if table == "mechanisms":
        texts += as_written.get(row["id"], [])
    if table == "readings":  # a reading's cited line holds its value (monitoring, small wiring)
        texts.append(format(row["value"], "f"))
    return [t for t in texts if norm(t)]


def check_citations(tables: dict[str, list[Row]], data_dir: Path, notes: list[str] | None = None) -> None:
    """Every cited line exists in the cited document's text file under data/sources/ and
    holds the row's text; else a TableError naming file, row and column `line`. A document
    whose text file is not there cannot be checked: `notes` says so."""
    from .tables import TABLES, TableError
    data_dir = Path(data_dir)
    files = {r["id"]: r["file"] for r in tables.get("documents", [])}
    lines_of: dict[str, list[str] | None] = {}
    as_written: dict[str, list[str]] = {}
    for other in ("commitment_mechanisms", "action_services"):
        for r in tables.get(other, []):
            if r.get("as_written"):
                as_written.setdefault(r["mechanism"], []).append(r["as_written"])
    for table in TABLES:
        if "source" not in {c.name for c in table.columns}:
            continue
        for row in tables.get(table.name, []):
            doc = row.get("source")
            if not doc:
                continue
            if doc not in lines_of:
                path = data_dir / "sources" / files[doc]
                lines_of[doc] = path.read_text(encoding="utf-8").splitlines() if path.exists() else None
                if lines_of[doc] is None and notes is not None:
                    notes.append(f"citations of '{doc}' not checked: data/sources/{files[doc]} is not there")
            lines = lines_of[doc]
            if lines is None:
                continue
            texts = row_texts(table.name, row, as_written)
            for line in row.get("line", []):
                where = (data_dir / table.file, row.number, "line")
                if not 1 <= line <= len(lines):
                    raise TableError(*where, f"line {line} is not in data/sources/{files[doc]} "
                                     f"({doc}), which has {len(lines)} lines")
                window = norm(" ".join(lines[max(0, line - 1 - CITED_WINDOW): line + CITED_WINDOW]))
                if not any(norm(t)[:CITED_PREFIX] in window for t in texts):
                    shown = lines[line - 1].strip().replace("\t", " | ")[:80] or "(an empty line)"
                    start = (texts[0][:60] + "…") if texts and len(texts[0]) > 60 else (texts[0] if texts else "")
                    raise TableError(*where, f"line {line} of data/sources/{files[doc]} ({doc}) does not "
                                     f"hold this row's text, nor do the {CITED_WINDOW} lines either side: "
                                     f"it reads '{shown}', the row says '{start}'. Cite the line that holds "
                                     "it; for a fact no source document holds, leave source, page and line "
                                     "empty and give entered_by, entered_on and authority")
