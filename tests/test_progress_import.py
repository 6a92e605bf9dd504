"""Progress returns: the workbook `progress template` writes, filled in by the test as a
directorate would (openpyxl), imported with `progress import`; every refusal leaves
data/progress.csv byte-identical. The returns typed in are the INVENTED example quarter
(examples/INVENTED-returns-2025-Q4.csv)."""
import csv
import datetime as dt
import shutil
import time

import pytest
from openpyxl import load_workbook

from conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
HEADER = "action,period,revision,status,narrative,evidence,reported_by,reported_on,entered_by,entered_on,source_file,note\n"
LABELS = {"not-started": "Not started", "on-track": "On track", "at-risk": "At risk", "off-track": "Off track",
          "complete": "Complete", "stopped": "Stopped"}


def example_returns(period="2025-Q4"):
    with open(EXAMPLES / f"INVENTED-returns-{period}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def progress_rows(project):
    with open(project / "data" / "progress.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def template(project, directorate, period="2025-Q4"):
    out = project / "build" / f"{directorate}-{period}.xlsx"
    status, stdout, stderr = run_cli("progress", "template", "--directorate", directorate, "--period", period,
                                     "--out", out, "--project", project)
    assert status == 0, stderr
    return out


def fill(path, returns, *, completed_by="INVENTED officer", on="2026-01-09", out=None):
    """Type returns into a template as a directorate lead would: status from the list, narrative, evidence."""
    wb = load_workbook(path)
    ws = wb["Return"]
    ws["B5"], ws["B6"] = completed_by, on
    rows = {ws.cell(r, 1).value: r for r in range(9, ws.max_row + 1)}
    for ret in returns:
        r = rows[ret["action"]]
        ws.cell(r, 9).value = LABELS[ret["status"]]
        ws.cell(r, 10).value = ret["narrative"] or None
        ws.cell(r, 11).value = ret["evidence"] or None
    out = out or path.with_name(path.stem + "-filled.xlsx")
    wb.save(out)
    return out


@pytest.fixture
def project(real_project):
    return real_project


def test_progress_csv_starts_empty_and_says_so():
    assert (ROOT / "data" / "progress.csv").read_text(encoding="utf-8") == HEADER
    assert "starts" in (ROOT / "data" / "README.md").read_text(encoding="utf-8").lower()


def test_the_template_lists_the_directorates_actions_protected_with_a_status_list(project):
    path = template(project, "GET")
    wb = load_workbook(path)
    ws = wb["Return"]
    assert ws.protection.sheet
    with open(ROOT / "data" / "actions.csv", encoding="utf-8-sig") as f:
        get_actions = sorted(r["id"] for r in csv.DictReader(f) if r["directorate"] == "get")
    listed = [ws.cell(r, 1).value for r in range(9, ws.max_row + 1)]
    assert listed == get_actions
    # id and facts locked; status, narrative, evidence open
    assert ws.cell(9, 1).protection.locked and ws.cell(9, 2).protection.locked
    assert not ws.cell(9, 9).protection.locked and not ws.cell(9, 10).protection.locked
    assert not ws.cell(9, 11).protection.locked
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1 and validations[0].type == "list"
    assert validations[0].formula1 == '"Not started,On track,At risk,Off track,Complete,Stopped"'
    assert f"I9:I{ws.max_row}" in str(validations[0].sqref)
    assert ws.cell(9, 6).value == "no return yet"


def test_the_example_quarter_imports_from_filled_workbooks(project):
    returns = example_returns()
    files = []
    for directorate in sorted({r["reported_by"] for r in returns}):
        path = template(project, directorate)
        files.append(fill(path, [r for r in returns if r["reported_by"] == directorate]))
    start = time.perf_counter()
    status, out, err = run_cli("progress", "import", *files, "--recorded-on", "2026-01-15", "--project", project)
    elapsed = time.perf_counter() - start
    print(f"progress import of {len(returns)} returns from {len(files)} workbooks: {elapsed:.2f} s (CLI, process start included)")
    assert status == 0, err
    got = progress_rows(project)
    assert [(r["action"], r["period"], r["status"], r["narrative"], r["evidence"], r["reported_by"], r["revision"])
            for r in got] == [(r["action"], r["period"], r["status"], r["narrative"], r["evidence"], r["reported_by"], "1")
                              for r in sorted(returns, key=lambda r: (r["reported_by"], r["action"]))]
    assert {r["entered_on"] for r in got} == {"2026-01-15"} and {r["reported_on"] for r in got} == {"2026-01-09"}
    # the same returns again add nothing
    before = (project / "data" / "progress.csv").read_bytes()
    status, out, err = run_cli("progress", "import", *files, "--recorded-on", "2026-01-16", "--project", project)
    assert status == 0 and "0 return(s) added" in out and f"{len(returns)} already recorded" in out
    assert (project / "data" / "progress.csv").read_bytes() == before
    # the next template shows the last status and narrative
    wb = load_workbook(template(project, "GET", "2026-Q1"))
    ws = wb["Return"]
    row = next(r for r in range(9, ws.max_row + 1) if ws.cell(r, 1).value == "A-GET-01")
    assert (ws.cell(row, 6).value, ws.cell(row, 8).value) == ("At risk", "2025-Q4")
    assert ws.cell(row, 7).value.startswith("INVENTED EXAMPLE. Procurement")
    # and the build and validation take them in
    assert run_cli("build", "--project", project)[0] == 0
    assert run_cli("validate", "--project", project)[0] == 0


def test_a_replacement_needs_replace_and_keeps_the_earlier_return(project):
    path = template(project, "GET")
    first = fill(path, [{"action": "A-GET-01", "status": "at-risk", "narrative": "INVENTED slipped", "evidence": ""}])
    assert run_cli("progress", "import", first, "--recorded-on", "2026-01-10", "--project", project)[0] == 0
    second = fill(path, [{"action": "A-GET-01", "status": "off-track", "narrative": "INVENTED worse", "evidence": ""}],
                  out=path.with_name("second.xlsx"))
    before = (project / "data" / "progress.csv").read_bytes()
    status, out, err = run_cli("progress", "import", second, "--project", project)
    assert status == 1 and "--replace" in err and "sheet Return, row" in err
    assert (project / "data" / "progress.csv").read_bytes() == before
    status, out, err = run_cli("progress", "import", second, "--replace", "--recorded-on", "2026-02-01",
                               "--project", project)
    assert status == 0, err
    rows = progress_rows(project)
    assert [(r["revision"], r["status"]) for r in rows] == [("1", "at-risk"), ("2", "off-track")]
    assert run_cli("build", "--project", project)[0] == 0
    ttl = (project / "build" / "graph.ttl").read_text(encoding="utf-8")
    node = "<https://w3id.org/icsgraph/id/return/A-GET-01-2025-Q4"
    assert node + "-r1>" in ttl and f"icsg:replacedBy {node}> ;" in ttl


def _refused(project, files, *expected):
    before = (project / "data" / "progress.csv").read_bytes()
    status, out, err = run_cli("progress", "import", *files, "--project", project)
    assert status == 1, (out, err)
    text = " ".join(err.split())
    for e in expected:
        assert e in text, (e, text)
    assert "Traceback" not in err
    assert (project / "data" / "progress.csv").read_bytes() == before


def test_every_refusal_names_sheet_row_and_column_and_writes_nothing(project):
    path = template(project, "GET")
    # one good row beside each bad one: nothing at all may be written
    good = {"action": "A-GET-03", "status": "on-track", "narrative": "", "evidence": ""}
    wb = load_workbook(fill(path, [good]))
    ws = wb["Return"]
    ws["A12"] = "A-NOPE-99"; ws["I12"] = "On track"                      # unknown action (row 12)
    ws["A13"] = "A-PH-02"; ws["I13"] = "On track"                        # another directorate's action
    ws["I14"] = "Green-ish"                                               # not a status
    ws["I15"] = "Off track"; ws["J15"] = None                             # off track with no narrative
    ws["I16"] = "At risk"                                                 # at risk with no narrative
    ws["J17"] = "words but no status"                                     # narrative, no status
    ws["J18"] = "=HYPERLINK(\"http://evil\")"; ws["I18"] = "On track"     # a formula
    bad = path.with_name("bad.xlsx")
    wb.save(bad)
    _refused(project, [bad],
             "sheet Return, row 12, column A: unknown action 'A-NOPE-99'",
             "sheet Return, row 13, column A: action A-PH-02 belongs to Public Health",
             "sheet Return, row 14, column I: 'Green-ish' is not a status",
             "sheet Return, row 15, column J: a return of 'Off track' needs a narrative",
             "sheet Return, row 16, column J: a return of 'At risk' needs a narrative",
             "sheet Return, row 17, column I: no status",
             "sheet Return, row 18, column J (narrative): the cell holds a formula")
    # a period that is not the template's
    wb = load_workbook(fill(path, [good]))
    wb["Return"]["B4"] = "2026-Q1"
    other = path.with_name("other-period.xlsx")
    wb.save(other)
    _refused(project, [other], "sheet Return, row 4, column B: quarter '2026-Q1' is not the template's ('2025-Q4')")
    # a quarter that has not begun, a bad quarter, in a CSV
    csv_file = project / "returns.csv"
    csv_file.write_text("action,period,status,narrative\nA-GET-03,2999-Q1,on-track,\nA-GET-05,2025Q4,on-track,\n",
                        encoding="utf-8")
    _refused(project, [csv_file], "returns.csv, row 2, column period: quarter 2999-Q1 has not begun yet",
             "returns.csv, row 3, column period: '2025Q4' is not a quarter")
    # two returns for one action in one import
    csv_file.write_text("action,period,status,narrative\nA-GET-03,2025-Q4,on-track,\nA-GET-03,2025-Q4,complete,\n",
                        encoding="utf-8")
    _refused(project, [csv_file], "row 3, column action: a second return for A-GET-03 in 2025-Q4")
    # an unknown column, a missing file, a file that is not a workbook
    csv_file.write_text("action,period,status,colour\nA-GET-03,2025-Q4,on-track,green\n", encoding="utf-8")
    _refused(project, [csv_file], "returns.csv, row 1, column 'colour': unknown column")
    _refused(project, [project / "nope.xlsx"], "nope.xlsx: no such file")
    not_xlsx = project / "fake.xlsx"
    not_xlsx.write_text("not a workbook", encoding="utf-8")
    _refused(project, [not_xlsx], "fake.xlsx: cannot be read as an Excel workbook")
    # and a good file beside a bad one: still nothing
    _refused(project, [fill(path, [good]), bad], "unknown action 'A-NOPE-99'")
    assert progress_rows(project) == []


def test_a_hand_edited_progress_csv_is_checked_by_the_build(project):
    path = project / "data" / "progress.csv"
    path.write_text(HEADER + "A-GET-01,2025-Q4,1,at-risk,,,get,2026-01-09,,2026-01-10,,\n", encoding="utf-8")
    status, out, err = run_cli("build", "--project", project)
    assert status == 1 and "progress.csv, row 2, column 'narrative'" in err
    path.write_text(HEADER + "A-GET-01,2025-Q4,1,on-track,,,public-health,2026-01-09,,2026-01-10,,\n", encoding="utf-8")
    status, out, err = run_cli("build", "--project", project)
    assert status == 1 and "column 'reported_by'" in err
    path.write_text(HEADER + "A-GET-01,2025-Q4,2,on-track,,,get,2026-01-09,,2026-01-10,,\n", encoding="utf-8")
    status, out, err = run_cli("build", "--project", project)
    assert status == 1 and "revisions of A-GET-01/2025-Q4 must run 1, 2, 3" in err


def test_a_return_for_a_removed_action_is_refused_naming_it(project):
    """An action taken out of data/actions.csv after its returns were recorded, or after its
    directorate's template was made: the return is refused naming the sheet, row, column and
    action, and saying what happened; data/progress.csv is unchanged."""
    q3, q4 = example_returns("2025-Q3"), example_returns("2025-Q4")
    files = [EXAMPLES / f"INVENTED-returns-{q}.csv" for q in ("2025-Q3", "2025-Q4")]
    assert run_cli("progress", "import", *files, "--recorded-on", "2026-01-15", "--project", project)[0] == 0
    path = template(project, "GET", "2026-Q1")
    titles = {r["id"]: r["title"] for r in csv.DictReader(open(project / "data" / "actions.csv", encoding="utf-8-sig"))}
    filled = fill(path, [{"action": a, "status": "on-track", "narrative": "", "evidence": ""}
                         for a in ("A-GET-03", "A-GET-05")], on="2026-04-08")
    actions = project / "data" / "actions.csv"
    lines = actions.read_text(encoding="utf-8").splitlines(keepends=True)
    actions.write_text("".join(l for l in lines if not l.startswith(("A-GET-03,", "A-GET-05,"))), encoding="utf-8")
    rows = {load_workbook(filled)["Return"].cell(r, 1).value: r for r in range(9, 40)}
    before = (project / "data" / "progress.csv").read_bytes()
    status, _, err = run_cli("progress", "import", filled, "--recorded-on", "2026-04-10", "--project", project)
    text = " ".join(err.split())
    assert status == 1 and "Traceback" not in err
    returned = sorted(r["period"] for r in q3 + q4 if r["action"] == "A-GET-03")
    assert (f"sheet Return, row {rows['A-GET-03']}, column A: action A-GET-03 '{titles['A-GET-03']}' is no longer in "
            f"data/actions.csv: it was removed after its return for {returned[-1]} (on-track); its {len(returned)} "
            f"earlier return(s) ({', '.join(returned)}) are kept in data/progress.csv") in text
    assert "A-GET-05" not in {r["action"] for r in q3 + q4}   # never returned: the workbook still lists it
    assert (f"sheet Return, row {rows['A-GET-05']}, column A: action A-GET-05 '{titles['A-GET-05']}' is not in "
            "data/actions.csv: the workbook lists it, so it was removed after the template was made") in text
    assert (project / "data" / "progress.csv").read_bytes() == before
    # a CSV return for an id that never was: the nearest ids
    csv_file = project / "returns.csv"
    csv_file.write_text("action,period,status\nA-GET-3,2026-Q1,on-track\n", encoding="utf-8")
    status, _, err = run_cli("progress", "import", csv_file, "--recorded-on", "2026-04-10", "--project", project)
    assert status == 1 and "returns.csv, row 2, column action: unknown action 'A-GET-3' (not in data/actions.csv); " \
        "did you mean" in " ".join(err.split())
    assert (project / "data" / "progress.csv").read_bytes() == before
