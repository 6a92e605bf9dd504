"""Completeness: every table row of Appendices A and B, every strategy priority and every
strategy indicator in the source text files is represented in data/*.csv."""
import csv
import shutil

from icsgraph.build import load_ontology, topic_ids
from icsgraph.completeness import check_all
from icsgraph.tables import read_tables

from conftest import ROOT


def load(data_dir):
    _, topics = load_ontology(ROOT / "ontology")
    return read_tables(data_dir, topic_ids(topics))


def test_every_source_row_is_in_the_tables():
    missing = check_all(load(ROOT / "data"), ROOT / "data" / "sources")
    assert missing == [], "missing from the tables:\n" + "\n".join(map(str, missing))


def drop_row(data_dir, table, row_id):
    path = data_dir / table
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0].keys())
    kept = [r for r in rows if r["id"] != row_id]
    assert len(kept) == len(rows) - 1
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(kept)
    return next(r for r in rows if r["id"] == row_id)


def test_a_dropped_row_is_reported(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("parts"))
    tables = load(data)
    commitment = next(r for r in tables["commitments"] if r["label"] == "Reduce loneliness")
    action = tables["actions"][5]
    indicator = next(r for r in tables["indicators"] if r["id"] == "I-SO2-1")
    for table, row in (("commitments.csv", commitment), ("actions.csv", action), ("indicators.csv", indicator)):
        drop_row(data, table, row["id"])
    # links to the dropped rows go too, as an officer deleting them would have to do
    for table, column, value in (("commitment_mechanisms.csv", "commitment", commitment["id"]),
                                 ("logframe.csv", "indicator", "I-SO2-1"),
                                 ("readings.csv", "indicator", "I-SO2-1")):
        path = data / table
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, list(rows[0].keys()))
            w.writeheader()
            w.writerows(r for r in rows if r[column] != value)
    for table in ("action_services.csv",):
        path = data / table
        text = path.read_text(encoding="utf-8").replace(action["id"] + ";", "").replace("; " + action["id"], "")
        path.write_text(text, encoding="utf-8")
    missing = check_all(load(data), data / "sources")
    logframe_lines = {r["line"][0] for r in tables["logframe"] if r["indicator"] == "I-SO2-1"}
    assert len(logframe_lines) == 3  # Communities, Adult Social Care and GET track loneliness
    expected = {commitment["line"][0], action["line"][0], indicator["line"][0]} | logframe_lines
    assert {m.line for m in missing} == expected, "\n".join(map(str, missing))
