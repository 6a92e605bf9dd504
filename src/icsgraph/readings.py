"""Indicator readings: import an OHID Fingertips export, or a CSV of our own columns, into
data/readings.csv, all or nothing.

Fingertips' data export has one row per indicator, area, period and breakdown, with the
columns "Indicator ID, Indicator Name, Parent Code, Parent Name, Area Code, Area Name, Area
Type, Sex, Age, Category Type, Category, Time period, Value, Lower CI 95.0 limit, Upper CI
95.0 limit, ..., Count, Denominator, Value note, ...". A row is taken when its Indicator ID
is the `fingertips_id` of one of our indicators (indicators.csv) and its area is Kent,
Medway or Kent and Medway; breakdowns by category (deprivation decile, ethnicity ...) are
left out, and where a period has rows by sex the "Persons" row is taken. Rows with no value
(suppressed) are left out. Everything left out is counted in the summary.

Our own columns: indicator, period, area, value, and optionally unit, area_code,
authority (where the figure comes from), note.

An imported reading is an officer's entry (tables.OFFICER_ENTRY): who imported it
(entered_by), when (entered_on, which decides which quarter's update first shows it) and on
what authority (the source it names: "OHID Fingertips, indicator 93085 (...), file ...").
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .monitoring import AREAS, READINGS_COLUMNS, MonitoringError, format_problems, read_rows, write_rows
from .project import Paths
from .tables import TableError, decode_table

FINGERTIPS_REQUIRED = ("Indicator ID", "Area Code", "Area Name", "Time period", "Value")
OWN_COLUMNS = ("indicator", "period", "area", "value", "unit", "area_code", "authority", "note")


@dataclass
class ReadingsResult:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    skipped: dict = field(default_factory=dict)  # reason -> count


def _area(name: str) -> str | None:
    n = " ".join(name.replace("&", "and").split()).lower()
    if n == "kent":
        return "Kent"
    if n == "medway":
        return "Medway"
    if "kent and medway" in n:
        return "Kent and Medway"
    return None


def _number(text: str):
    try:
        d = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _fmt(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def read_fingertips(path: Path, header, rows, indicators, problems, result) -> list[dict]:
    by_ft = {}
    for ind in indicators.values():
        for ft in (ind.get("fingertips_id") or "").replace(";", " ").split():
            by_ft[ft] = ind
    for name in FINGERTIPS_REQUIRED:
        if name not in header:
            problems.append(f"{path}, row 1, column '{name}': a Fingertips export has this column; it is missing")
    if problems:
        return []
    picked: dict[tuple, list] = {}
    skip = result.skipped
    for i, r in enumerate(rows):
        where = f"{path}, row {i + 2}"
        ind = by_ft.get((r.get("Indicator ID") or "").strip())
        if ind is None:
            skip["Fingertips indicator that no indicator of ours has as fingertips_id"] = \
                skip.get("Fingertips indicator that no indicator of ours has as fingertips_id", 0) + 1
            continue
        area = _area(r.get("Area Name") or "")
        if area is None:
            skip["an area other than Kent, Medway, Kent and Medway"] = \
                skip.get("an area other than Kent, Medway, Kent and Medway", 0) + 1
            continue
        if (r.get("Category Type") or "").strip():
            skip["a breakdown by category"] = skip.get("a breakdown by category", 0) + 1
            continue
        value = (r.get("Value") or "").strip()
        if value == "":
            skip["no value (suppressed or not published)"] = skip.get("no value (suppressed or not published)", 0) + 1
            continue
        period = (r.get("Time period") or "").strip()
        if not period:
            problems.append(f"{where}, column 'Time period': empty")
            continue
        row = {"where": where, "indicator": ind["id"], "period": period, "area": area, "value": value,
               "unit": "", "area_code": (r.get("Area Code") or "").strip(),
               "authority": f"OHID Fingertips, indicator {r['Indicator ID'].strip()} "
                              f"({(r.get('Indicator Name') or '').strip()}), file {Path(path).name}",
               "note": "; ".join(x for x in ((f"Sex: {r.get('Sex')}" if r.get("Sex") else ""),
                                             (f"Age: {r.get('Age')}" if r.get("Age") else ""),
                                             (f"Value note: {r.get('Value note')}" if r.get("Value note") else "")) if x),
               "sex": (r.get("Sex") or "").strip(),
               "columns": {"indicator": "'Indicator ID'", "period": "'Time period'", "area": "'Area Name'",
                           "value": "'Value'"}}
        picked.setdefault((ind["id"], area, period), []).append(row)
    out = []
    for key, group in picked.items():
        if len(group) > 1:
            persons = [g for g in group if g["sex"].lower() == "persons"]
            if len(persons) == 1:
                skip["a breakdown by sex (the Persons row is taken)"] = \
                    skip.get("a breakdown by sex (the Persons row is taken)", 0) + len(group) - 1
                group = persons
            else:
                problems.append(f"{path}: {len(group)} rows for {key[0]}, {key[1]}, {key[2]} "
                                f"({', '.join(g['where'].rsplit(', ', 1)[1] for g in group)}) and no single "
                                "'Persons' row to choose; export one breakdown only")
                continue
        out.append(group[0])
    return out


def read_own(path: Path, header, rows, problems) -> list[dict]:
    for name in header:
        if name not in OWN_COLUMNS:
            problems.append(f"{path}, row 1, column '{name}': unknown column; a readings CSV has: "
                            f"{', '.join(OWN_COLUMNS)} (or is a Fingertips export)")
    for name in ("indicator", "period", "area", "value"):
        if name not in header:
            problems.append(f"{path}, row 1, column '{name}': required column is missing")
    if problems:
        return []
    out = []
    for i, r in enumerate(rows):
        if not any((v or "").strip() for v in r.values()):
            continue
        row = {k: (r.get(k) or "").strip() for k in OWN_COLUMNS}
        row["where"] = f"{path}, row {i + 2}"
        row["columns"] = {k: f"'{k}'" for k in OWN_COLUMNS}
        row["authority"] = row["authority"] or f"file {Path(path).name}"
        out.append(row)
    return out


def import_readings(paths: Paths, files: list[Path], *, replace: bool = False,
                    recorded_on: _dt.date | None = None, entered_by: str = "") -> ReadingsResult:
    import getpass
    recorded_on = recorded_on or _dt.date.today()
    entered_by = entered_by or getpass.getuser()
    ind_header, ind_rows = read_rows(paths.data / "indicators.csv")
    indicators = {r["id"]: r for r in ind_rows}
    target = paths.data / "readings.csv"
    if not target.exists():
        raise MonitoringError(f"{target} is missing: it holds the readings (header: {','.join(READINGS_COLUMNS)})")
    header, existing = read_rows(target)
    if list(header) != list(READINGS_COLUMNS):
        raise MonitoringError(f"{target}, row 1: the header is not {','.join(READINGS_COLUMNS)}")
    current = {}
    for r in existing:
        key = (r["indicator"], r["area"], r["period"])
        if key not in current or int(r["revision"]) > int(current[key]["revision"]):
            current[key] = r

    result = ReadingsResult()
    problems: list[str] = []
    incoming = []
    for f in files:
        f = Path(f)
        if not f.exists():
            problems.append(f"{f}: no such file")
            continue
        try:
            text, _ = decode_table(f)  # Excel's two CSV flavours, as the tables are read
        except TableError as e:
            problems.append(str(e))
            continue
        reader = csv.DictReader(io.StringIO(text))
        fheader = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = fheader
        rows = list(reader)
        if not fheader:
            problems.append(f"{f}, row 1: the file is empty")
        elif "Indicator ID" in fheader:
            incoming += read_fingertips(f, fheader, rows, indicators, problems, result)
        else:
            incoming += read_own(f, fheader, rows, problems)

    seen, new_rows = {}, []
    for row in incoming:
        where, col = row["where"], row["columns"]

        def bad(name, message):
            problems.append(f"{where}, column {col.get(name, name)}: {message}")
        ind = indicators.get(row["indicator"])
        if ind is None:
            bad("indicator", f"unknown indicator '{row['indicator']}' (not in indicators.csv)")
            continue
        if row["area"] not in AREAS:
            bad("area", f"'{row['area']}' is not an area: one of {', '.join(AREAS)}")
            continue
        if not row["period"]:
            bad("period", "empty: the period the value is for, as its source writes it (2023/24, 2024)")
            continue
        value = _number(row["value"])
        if value is None:
            bad("value", f"'{row['value']}' is not a number")
            continue
        unit = row.get("unit") or ind.get("unit") or ""
        if ind.get("unit") and row.get("unit") and row["unit"] != ind["unit"]:
            bad("unit", f"unit '{row['unit']}' is not the indicator's ('{ind['unit']}')")
            continue
        key = (ind["id"], row["area"], row["period"])
        if key in seen:
            bad("period", f"a second reading of {ind['id']} for {row['area']}, {row['period']} (first at {seen[key]})")
            continue
        seen[key] = where
        new = {"indicator": ind["id"], "period": row["period"], "area": row["area"], "value": _fmt(value),
               "unit": unit, "baseline": "", "area_code": row.get("area_code", ""), "source": "", "page": "",
               "line": "", "authority": row["authority"], "entered_by": entered_by,
               "entered_on": recorded_on.isoformat(), "note": row.get("note", "")}
        old = current.get(key)
        if old is not None and _number(old["value"]) == value:
            result.unchanged += 1
            continue
        if old is not None and not replace:
            bad("value", f"{ind['id']} for {row['area']}, {row['period']} is already recorded as {old['value']} "
                         f"(revision {old['revision']}); import with --replace to record {_fmt(value)} instead "
                         "(the earlier value is kept in data/readings.csv)")
            continue
        new["revision"] = str(int(old["revision"]) + 1) if old else "1"
        if old:
            new["note"] = "; ".join(x for x in (new["note"], f"replaces revision {old['revision']} ({old['value']})") if x)
            result.replaced += 1
        else:
            result.added += 1
        new_rows.append(new)
    if problems:
        raise MonitoringError(format_problems(problems, "readings import"))
    if not incoming and not problems:
        raise MonitoringError("readings import: no reading in " + ", ".join(str(f) for f in files)
                              + " is for one of our indicators and areas"
                              + ("" if not result.skipped else " (left out: " + "; ".join(
                                  f"{n} row(s) of {why}" for why, n in result.skipped.items()) + ")"))
    if new_rows:
        write_rows(target, READINGS_COLUMNS, existing + new_rows)
    return result
