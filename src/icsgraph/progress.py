"""Progress returns: a directorate's workbook for one quarter, and importing returns.

`write_template` writes the workbook a directorate fills in (openpyxl): its actions with
id, title, lead, due date, measure, last status and narrative (protected), a status
drop-down, and narrative and evidence columns. `import_returns` checks filled workbooks or
CSV files and appends their returns to data/progress.csv all or nothing: the same return
twice adds nothing; a different return for the same action and quarter is refused unless
`replace=True`, and then the old one stays in the file as an earlier revision.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
from dataclasses import dataclass
from pathlib import Path

from .monitoring import (NEEDS_NARRATIVE, PROGRESS_COLUMNS, MonitoringError, Quarter, _norm,
                         format_problems, load_statuses, read_rows, status_lookup, write_rows)
from .project import Paths

SHEET = "Return"
ABOUT = "About"
HEADER_ROW = 8
FIRST_ROW = HEADER_ROW + 1
#: workbook columns: (title, key, editable)
COLUMNS = (("Action id", "action", False), ("Action", "title", False), ("Led by", "lead", False),
           ("Due date", "due_date", False), ("Measure", "measure", False),
           ("Last status", "last_status", False), ("Last narrative", "last_narrative", False),
           ("Last return for", "last_period", False),
           ("Status", "status", True), ("Narrative", "narrative", True), ("Evidence or link", "evidence", True))
CSV_COLUMNS = ("action", "period", "status", "narrative", "evidence", "reported_by", "reported_on", "entered_by")


# --- what the tables say ------------------------------------------------------------------

def _read(paths: Paths, name: str):
    from .tables import TABLES_BY_NAME, read_table
    return read_table(TABLES_BY_NAME[name], paths.data / f"{name}.csv")


def find_directorate(paths: Paths, text: str) -> dict:
    """A council directorate by id, name or abbreviation (GET, Public Health, get)."""
    orgs = [r for r in _read(paths, "organisations") if r["type"] == "Directorate"]
    want = _norm(text)
    for r in orgs:
        names = [r["id"], r["label"], *r.get("alt_labels", [])]
        if want in {_norm(n) for n in names}:
            return {"id": r["id"], "label": r["label"]}
    choices = "; ".join(f"{r['id']} ({r['label']})" for r in orgs)
    raise MonitoringError(f"no council directorate is called '{text}'. Directorates: {choices}")


def history(paths: Paths) -> list[dict]:
    path = paths.data / "progress.csv"
    if not path.exists():
        return []
    return read_rows(path)[1]


def current_returns(rows: list[dict]) -> dict[tuple[str, str], dict]:
    """(action, period) -> the return in force (highest revision)."""
    out = {}
    for r in rows:
        key = (r["action"], r["period"])
        if key not in out or int(r["revision"] or 1) > int(out[key]["revision"] or 1):
            out[key] = r
    return out


def _last_before(current: dict, action: str, period: Quarter):
    earlier = [(Quarter.parse(p), r) for (a, p), r in current.items() if a == action and Quarter.parse(p) < period]
    return max(earlier, key=lambda x: x[0])[1] if earlier else None


# --- the workbook ---------------------------------------------------------------------------

def write_template(paths: Paths, directorate: str, period: str, out: Path | None = None) -> tuple[Path, int]:
    """Write a directorate's return workbook for a quarter; return its path and action count."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    quarter = Quarter.parse(period)
    d = find_directorate(paths, directorate)
    statuses = load_statuses(paths.ontology)
    by_notation = {s.notation: s for s in statuses}
    actions = sorted((r for r in _read(paths, "actions") if r["directorate"] == d["id"]), key=lambda r: r["id"])
    current = current_returns(history(paths))
    out = Path(out or paths.build / "returns" / f"return-{d['id']}-{quarter}.xlsx")

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = f"Progress return: {d['label']}, {quarter} ({quarter.words()})"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = ("Give every action a status from the drop-down, and a narrative (required when at risk or "
                "off track). Only the Status, Narrative and Evidence columns and the two cells below can be edited. "
                "Send the file back as it is; it is imported with 'icsgraph progress import'.")
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("A2:K2")
    ws.row_dimensions[2].height = 45
    meta = (("Directorate", d["id"], False), ("Quarter", str(quarter), False),
            ("Completed by", None, True), ("Date of return (YYYY-MM-DD)", None, True))
    for i, (label, value, editable) in enumerate(meta):
        row = 3 + i
        ws.cell(row, 1, label).font = Font(bold=True)
        cell = ws.cell(row, 2, value)
        if editable:
            cell.protection = Protection(locked=False)
            cell.fill = PatternFill("solid", fgColor="FFF7E0")
    for col, (title, _, editable) in enumerate(COLUMNS, start=1):
        c = ws.cell(HEADER_ROW, col, title)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDDDDD" if not editable else "FFE9A8")
    dv = DataValidation(type="list", formula1='"' + ",".join(s.label for s in statuses) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Status",
                        error="Choose a status from the list: " + ", ".join(s.label for s in statuses))
    ws.add_data_validation(dv)
    for i, a in enumerate(actions):
        row = FIRST_ROW + i
        last = _last_before(current, a["id"], quarter)
        values = {"action": a["id"], "title": a["title"], "lead": a.get("lead"),
                  "due_date": a["due_date"].isoformat() if a.get("due_date") else (a.get("timescale") or ""),
                  "measure": a.get("measure"),
                  "last_status": by_notation[last["status"]].label if last else "no return yet",
                  "last_narrative": last["narrative"] if last else None,
                  "last_period": last["period"] if last else None}
        for col, (_, key, editable) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row, col)
            value = values.get(key)
            if value not in (None, ""):
                cell.value = str(value)
                cell.data_type = "s"  # text stays text: never a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if editable:
                cell.protection = Protection(locked=False)
    if actions:
        dv.add(f"I{FIRST_ROW}:I{FIRST_ROW + len(actions) - 1}")
    for col, width in zip("ABCDEFGHIJK", (12, 40, 24, 12, 30, 12, 40, 10, 14, 50, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(FIRST_ROW, 3)
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    about = wb.create_sheet(ABOUT)
    about["A1"], about["B1"] = "directorate", d["id"]
    about["A2"], about["B2"] = "quarter", str(quarter)
    about["A3"], about["B3"] = "statuses", "; ".join(f"{s.label} = {s.notation}" for s in statuses)
    about["A4"], about["B4"] = "made by", "icsgraph progress template"
    about.sheet_state = "hidden"
    about.protection.sheet = True

    out.parent.mkdir(parents=True, exist_ok=True)
    _save_deterministic(wb, out)
    return out, len(actions)


def _save_deterministic(wb, out: Path) -> None:
    """Save with fixed document dates, through a temporary file (never half-written)."""
    import os
    import tempfile
    fixed = _dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "icsgraph"
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- reading returns -------------------------------------------------------------------------

@dataclass
class Incoming:
    where: str          # "file, sheet Return, row 9"
    action: str
    period: str
    status: str         # notation
    narrative: str
    evidence: str
    reported_by: str
    reported_on: str
    entered_by: str
    source_file: str
    column_of: dict     # field -> column name/letter for messages


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).strip()


def read_workbook(path: Path, problems: list[str]) -> list[dict]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, data_only=False)
    except Exception as e:  # noqa: BLE001 - any unreadable file is the user's to fix
        problems.append(f"{path}: cannot be read as an Excel workbook ({e})")
        return []
    if SHEET not in wb.sheetnames:
        problems.append(f"{path}: has no sheet '{SHEET}': is it a workbook made by 'icsgraph progress template'?")
        return []
    ws = wb[SHEET]
    about = wb[ABOUT] if ABOUT in wb.sheetnames else None
    directorate = _cell_text(ws["B3"].value)
    period = _cell_text(ws["B4"].value)
    if about is not None:
        for row, label, value, cell in ((1, "directorate", directorate, "B3"), (2, "quarter", period, "B4")):
            made = _cell_text(about.cell(row, 2).value)
            if made != value:
                problems.append(f"{path}, sheet {SHEET}, row {cell[1:]}, column B: {label} '{value}' is not the "
                                f"template's ('{made}'); ask for a new template instead of editing it")
    header = [_cell_text(ws.cell(HEADER_ROW, c).value) for c in range(1, len(COLUMNS) + 1)]
    if header != [t for t, _, _ in COLUMNS]:
        problems.append(f"{path}, sheet {SHEET}, row {HEADER_ROW}: the column headings have been changed; "
                        f"expected: {', '.join(t for t, _, _ in COLUMNS)}")
        return []
    completed_by = _cell_text(ws["B5"].value)
    reported_on = _cell_text(ws["B6"].value)
    rows = []
    letters = "ABCDEFGHIJK"
    for r in range(FIRST_ROW, ws.max_row + 1):
        cells = {key: ws.cell(r, c).value for c, (_, key, _) in enumerate(COLUMNS, start=1)}
        for key in ("status", "narrative", "evidence"):
            v = cells[key]
            col = letters[[k for _, k, _ in COLUMNS].index(key)]
            if isinstance(v, str) and v.startswith("="):
                problems.append(f"{path}, sheet {SHEET}, row {r}, column {col} ({key}): the cell holds a formula; "
                                "type the text itself")
                cells[key] = ""
        if not any(_cell_text(cells[k]) for k in ("status", "narrative", "evidence")):
            continue  # no return for this action in this workbook
        rows.append({"where": f"{path}, sheet {SHEET}, row {r}", "action": _cell_text(cells["action"]),
                     "title": _cell_text(cells["title"]),
                     "period": period, "status": _cell_text(cells["status"]),
                     "narrative": _cell_text(cells["narrative"]), "evidence": _cell_text(cells["evidence"]),
                     "reported_by": directorate, "reported_on": reported_on, "entered_by": completed_by,
                     "source_file": Path(path).name,
                     "columns": {"action": "A", "status": "I", "narrative": "J", "evidence": "K",
                                 "period": "B (row 4)", "reported_by": "B (row 3)", "reported_on": "B (row 6)"}})
    return rows


def read_csv_returns(path: Path, problems: list[str]) -> list[dict]:
    from .tables import TableError, decode_table
    try:
        text, _ = decode_table(path)  # Excel's two CSV flavours, as the tables are read
    except TableError as e:
        problems.append(str(e))
        return []
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        problems.append(f"{path}, row 1: the file is empty; it needs a header row ({', '.join(CSV_COLUMNS)})")
        return []
    for name in header:
        if name not in CSV_COLUMNS:
            problems.append(f"{path}, row 1, column '{name}': unknown column; a returns CSV has: {', '.join(CSV_COLUMNS)}")
    for name in ("action", "period", "status"):
        if name not in header:
            problems.append(f"{path}, row 1, column '{name}': required column is missing")
    if problems:
        return []
    rows = []
    for i, cells in enumerate(reader):
        if not any(c.strip() for c in cells):
            continue
        v = dict(zip(header, (c.strip() for c in cells)))
        rows.append({"where": f"{path}, row {i + 2}", "action": v.get("action", ""), "period": v.get("period", ""),
                     "status": v.get("status", ""), "narrative": v.get("narrative", ""),
                     "evidence": v.get("evidence", ""), "reported_by": v.get("reported_by", ""),
                     "reported_on": v.get("reported_on", ""), "entered_by": v.get("entered_by", ""),
                     "source_file": Path(path).name, "columns": {k: k for k in CSV_COLUMNS}})
    return rows


# --- checking and appending -------------------------------------------------------------------

def _not_an_action(row: dict, existing: list[dict], actions: dict) -> str:
    """Why a return's action id is refused: an action removed from data/actions.csv (it has
    returns for earlier quarters, or the directorate's workbook still lists it), or an id that
    was never there (with the nearest ids)."""
    import difflib
    action = row["action"]
    earlier = current_returns([r for r in existing if r["action"] == action])
    named = f"action {action}" + (f" '{row['title']}'" if row.get("title") else "")
    if earlier:
        periods = sorted(earlier, key=lambda k: Quarter.parse(k[1]))
        last = earlier[periods[-1]]
        return (f"{named} is no longer in data/actions.csv: it was removed after its return for {last['period']} "
                f"({last['status']}); its {len(periods)} earlier return(s) "
                f"({', '.join(p for _, p in periods)}) are kept in data/progress.csv. A removed action takes no "
                "more returns: leave its row empty, or, if it was removed by mistake, put it back in "
                "data/actions.csv")
    same_title = sorted(i for i, r in actions.items() if row.get("title") and r.get("title") == row["title"])
    if same_title:
        return (f"unknown action '{action}' (not in data/actions.csv): the row's title is that of "
                f"{' and '.join(same_title)}; the id cell was changed, put {same_title[0]} back")
    if row.get("title"):
        return (f"{named} is not in data/actions.csv: the workbook lists it, so it was removed after the "
                "template was made. A removed action takes no more returns: leave its row empty, or, if it was "
                "removed by mistake, put it back in data/actions.csv")
    close = difflib.get_close_matches(action.upper(), sorted(actions), n=3, cutoff=0.75)
    return (f"unknown action '{action}' (not in data/actions.csv)"
            + (f"; did you mean {' or '.join(close)}?" if close else ""))


@dataclass
class ImportResult:
    added: int
    replaced: int
    unchanged: int
    files: int


def import_returns(paths: Paths, files: list[Path], *, replace: bool = False,
                   recorded_on: _dt.date | None = None) -> ImportResult:
    """Check every row of every file; append the returns to data/progress.csv, all or nothing."""
    recorded_on = recorded_on or _dt.date.today()
    statuses = status_lookup(load_statuses(paths.ontology))
    actions = {r["id"]: r for r in _read(paths, "actions")}
    orgs = {r["id"]: r for r in _read(paths, "organisations")}
    target = paths.data / "progress.csv"
    if not target.exists():
        raise MonitoringError(f"{target} is missing: it holds the returns (a header row at least: "
                              f"{','.join(PROGRESS_COLUMNS)})")
    header, existing = read_rows(target)
    if list(header) != list(PROGRESS_COLUMNS):
        raise MonitoringError(f"{target}, row 1: the header is not {','.join(PROGRESS_COLUMNS)}")
    current = current_returns(existing)

    problems: list[str] = []
    incoming = []
    for f in files:
        f = Path(f)
        if not f.exists():
            problems.append(f"{f}: no such file")
            continue
        if f.suffix.lower() in (".xlsx", ".xlsm"):
            incoming += read_workbook(f, problems)
        elif f.suffix.lower() in (".csv", ".txt"):
            incoming += read_csv_returns(f, problems)
        else:
            problems.append(f"{f}: not a workbook (.xlsx) or a CSV file")

    seen = {}
    new_rows, counts = [], {"added": 0, "replaced": 0, "unchanged": 0}
    today = recorded_on
    for row in incoming:
        where, col = row["where"], row["columns"]

        def bad(field, message):
            problems.append(f"{where}, column {col.get(field, field)}: {message}")
        a = actions.get(row["action"])
        if not row["action"]:
            bad("action", "no action id")
            continue
        if a is None:
            bad("action", _not_an_action(row, existing, actions))
            continue
        try:
            quarter = Quarter.parse(row["period"])
        except MonitoringError as e:
            bad("period", str(e))
            continue
        if quarter.start > today:
            bad("period", f"quarter {quarter} has not begun yet")
        reported_by = row["reported_by"] or a["directorate"]
        if reported_by not in orgs:
            bad("reported_by", f"unknown directorate '{reported_by}'")
        elif reported_by != a["directorate"]:
            bad("action", f"action {a['id']} belongs to {orgs[a['directorate']]['label']} ({a['directorate']}), "
                          f"not to {orgs[reported_by]['label']} ({reported_by}): a directorate returns only its own actions")
        status = statuses.get(_norm(row["status"])) if row["status"] else None
        if not row["status"]:
            bad("status", "no status: choose one from the list (or leave status, narrative and evidence all empty)")
        elif status is None:
            bad("status", f"'{row['status']}' is not a status; choose one of: "
                          + ", ".join(sorted({s.label for s in statuses.values()})))
        if status is not None and status.notation in NEEDS_NARRATIVE and not row["narrative"]:
            bad("narrative", f"a return of '{status.label}' needs a narrative: say why, and what is being done")
        reported_on = row["reported_on"] or today.isoformat()
        try:
            if _dt.date.fromisoformat(reported_on) > today:
                bad("reported_on", f"date of return {reported_on} is in the future")
        except ValueError:
            bad("reported_on", f"'{reported_on}' is not a date written YYYY-MM-DD")
        key = (a["id"], str(quarter))
        if key in seen:
            bad("action", f"a second return for {a['id']} in {quarter} in this import (first at {seen[key]})")
            continue
        seen[key] = where
        if status is None:
            continue
        new = {"action": a["id"], "period": str(quarter), "status": status.notation, "narrative": row["narrative"],
               "evidence": row["evidence"], "reported_by": reported_by, "reported_on": reported_on,
               "entered_by": row["entered_by"], "entered_on": today.isoformat(), "source_file": row["source_file"],
               "note": ""}
        old = current.get(key)
        if old is not None and all((old.get(k) or "") == new[k] for k in ("status", "narrative", "evidence")):
            counts["unchanged"] += 1
            continue
        if old is not None and not replace:
            bad("status", f"a different return for {a['id']} in {quarter} is already recorded (revision "
                          f"{old['revision']}, {old['status']}, recorded {old['entered_on']}); import with --replace "
                          "to replace it (the earlier one is kept in data/progress.csv)")
            continue
        new["revision"] = str(int(old["revision"]) + 1) if old is not None else "1"
        if old is not None:
            new["note"] = f"replaces revision {old['revision']} (recorded {old['entered_on']})"
            counts["replaced"] += 1
        else:
            counts["added"] += 1
        new_rows.append(new)
    if problems:
        raise MonitoringError(format_problems(problems, "progress import"))
    if new_rows:
        write_rows(target, PROGRESS_COLUMNS, existing + new_rows)
    return ImportResult(counts["added"], counts["replaced"], counts["unchanged"], len(files))
