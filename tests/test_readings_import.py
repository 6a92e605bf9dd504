"""Indicator readings: the baselines moved from indicators.csv into readings.csv with their
source line and area; a small Fingertips-format export written by the test imported; our
own columns imported; every refusal leaves data/readings.csv byte-identical."""
import csv
import time

from conftest import ROOT, run_cli

FT_COLUMNS = ["Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type",
              "Sex", "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit",
              "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator",
              "Value note", "Recent Trend", "Compared to England value or percentiles", "Time period Sortable"]


def readings(folder):
    with open(folder / "data" / "readings.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def source_line(document, line):
    name = {"strategy": "km-integrated-care-strategy-2023.txt", "delivery-plan": "kcc-ics-delivery-plan-2025.txt"}[document]
    return (ROOT / "data" / "sources" / name).read_text(encoding="utf-8").splitlines()[int(line) - 1]


def test_every_stated_baseline_is_a_reading_with_its_source_line_and_area():
    rows = readings(ROOT)
    base = {(r["indicator"], r["area"]): r for r in rows if r["baseline"] == "yes"}
    with open(ROOT / "data" / "indicators.csv", encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    assert "baseline_value" not in header and "baseline_period" not in header  # not copied twice
    for r in base.values():
        line = source_line(r["source"], r["line"])
        assert r["value"] in line, (r["indicator"], line)  # the value is on the cited line
        if r["period"] != "not stated":
            assert r["period"] in line, (r["indicator"], line)
    # Kent figures are Kent figures, as their lines say
    for indicator in ("I-SO3-1", "I-SO3-3", "I-SO5-2"):
        assert (indicator, "Kent") in base and (indicator, "Kent and Medway") not in base
        assert "Kent" in source_line(base[(indicator, "Kent")]["source"], base[(indicator, "Kent")]["line"])
    assert base[("I-SO5-2", "Kent")]["value"] == "84.5" and base[("I-SO5-2", "Kent")]["period"] == "2021/22"
    # the two-area baseline the indicator row could not hold
    assert {base[("I-LF-PH-3", a)]["value"] for a in ("Kent", "Medway")} == {"28.1", "20.1"}
    assert len(base) == 16


def test_indicator_targets_still_shows_the_baseline(real_project):
    assert run_cli("build", "--project", real_project)[0] == 0
    status, out, err = run_cli("query", "indicator-targets", "--format", "json", "--project", real_project)
    import json
    rows = {r["indicator"]: r for r in json.loads(out)}
    assert (rows["I-SO2-1"]["baseline"], rows["I-SO2-1"]["baseline_period"], rows["I-SO2-1"]["baseline_area"]) == \
        ("7.3", "2020/21", "Kent and Medway")
    assert (rows["I-SO5-2"]["baseline"], rows["I-SO5-2"]["baseline_area"]) == ("84.5", "Kent")
    assert (rows["I-LF-PH-3"]["baseline"], rows["I-LF-PH-3"]["baseline_area"]) == ("28.1; 20.1", "Kent; Medway")


def write_fingertips(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(FT_COLUMNS)
        for r in rows:
            w.writerow(r + [""] * (len(FT_COLUMNS) - len(r)))


def ft(ind, name, code, area, sex, period, value, category_type=""):
    return [ind, name, "E12000008", "South East region", code, area, "Counties & UAs", sex, "All ages",
            category_type, "x" if category_type else "", period, value]


def test_a_fingertips_export_is_imported(real_project):
    export = real_project / "fingertips.csv"
    write_fingertips(export, [
        ft("93085", "Smoking status at time of delivery", "E10000016", "Kent", "Female", "2022/23", "9.1"),
        ft("93085", "Smoking status at time of delivery", "E06000035", "Medway", "Female", "2022/23", "12.4"),
        ft("93085", "Smoking status at time of delivery", "E06000036", "Bracknell Forest", "Female", "2022/23", "5.0"),
        ft("93085", "Smoking status at time of delivery", "E10000016", "Kent", "Female", "2022/23", "15.0", "Deprivation"),
        ft("93088", "Overweight or obese adults", "E10000016", "Kent", "Persons", "2022/23", "65.2"),
        ft("93088", "Overweight or obese adults", "E10000016", "Kent", "Male", "2022/23", "70.1"),
        ft("93088", "Overweight or obese adults", "E10000016", "Kent", "Persons", "2021/22", ""),
        ft("11111", "Not one of ours", "E10000016", "Kent", "Persons", "2022/23", "1"),
    ])
    before = len(readings(real_project))
    start = time.perf_counter()
    status, out, err = run_cli("readings", "import", export, "--recorded-on", "2026-01-20", "--project", real_project)
    print(f"readings import (Fingertips, 8 rows): {time.perf_counter() - start:.2f} s (CLI, process start included)")
    assert status == 0, err
    new = readings(real_project)[before:]
    assert [(r["indicator"], r["area"], r["period"], r["value"], r["area_code"], r["unit"]) for r in new] == [
        ("I-SO1-1", "Kent", "2022/23", "9.1", "E10000016", "%"),
        ("I-SO1-1", "Medway", "2022/23", "12.4", "E06000035", "%"),
        ("I-SO3-2", "Kent", "2022/23", "65.2", "E10000016", "%")]
    assert all(r["authority"].startswith("OHID Fingertips, indicator 93") and r["baseline"] == "" for r in new)
    for why in ("an area other than", "a breakdown by category", "the Persons row is taken", "no value", "no indicator of ours"):
        assert why in out
    # again: nothing added; a changed value refused without --replace, kept with it
    assert "3 already recorded" in run_cli("readings", "import", export, "--project", real_project)[1]
    write_fingertips(export, [ft("93085", "Smoking status at time of delivery", "E10000016", "Kent", "Female", "2022/23", "9.3")])
    data = (real_project / "data" / "readings.csv").read_bytes()
    status, out, err = run_cli("readings", "import", export, "--project", real_project)
    assert status == 1 and "already recorded as 9.1" in " ".join(err.split()) and "--replace" in err
    assert (real_project / "data" / "readings.csv").read_bytes() == data
    assert run_cli("readings", "import", export, "--replace", "--project", real_project)[0] == 0
    last = readings(real_project)[-1]
    assert (last["value"], last["revision"]) == ("9.3", "2")
    assert run_cli("build", "--project", real_project)[0] == 0
    assert run_cli("validate", "--project", real_project)[0] == 0


def test_our_own_columns_and_every_refusal(real_project):
    data = real_project / "data" / "readings.csv"
    f = real_project / "ours.csv"

    def refused(text, *expected):
        f.write_text(text, encoding="utf-8")
        before = data.read_bytes()
        status, out, err = run_cli("readings", "import", f, "--project", real_project)
        flat = " ".join(err.split())
        assert status == 1 and all(e in flat for e in expected), flat
        assert "Traceback" not in err
        assert data.read_bytes() == before

    good = "I-SO2-1,2022/23,Kent and Medway,6.9\n"
    refused("indicator,period,area,value\n" + good + "I-NOPE,2022/23,Kent,1\n",
            "ours.csv, row 3, column 'indicator': unknown indicator 'I-NOPE'")
    refused("indicator,period,area,value\n" + good + "I-SO2-1,2023/24,Kent and Sussex,1\n",
            "row 3, column 'area': 'Kent and Sussex' is not an area")
    refused("indicator,period,area,value\n" + good + "I-SO2-1,2023/24,Kent,lots\n", "row 3, column 'value': 'lots' is not a number")
    refused("indicator,period,area,value,unit\nI-SO2-1,2023/24,Kent,1,per 1000\n", "unit 'per 1000' is not the indicator's ('%')")
    refused("indicator,period,area,value\n" + good + good, "row 3, column 'period': a second reading of I-SO2-1")
    refused("indicator,period,area,value\nI-SO2-1,2020/21,Kent and Medway,7.5\n",
            "I-SO2-1 for Kent and Medway, 2020/21 is already recorded as 7.3")   # the baseline
    refused("indicator,period,area,score\n", "column 'score': unknown column", "column 'value': required column is missing")
    f.write_text("indicator,period,area,value,note\n" + good.strip() + ",INVENTED\n", encoding="utf-8")
    status, out, err = run_cli("readings", "import", f, "--recorded-on", "2026-01-20", "--project", real_project)
    assert status == 0, err
    assert readings(real_project)[-1]["authority"] == "file ours.csv"
