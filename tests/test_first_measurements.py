"""eval/first_measurements.csv (plotted by notebook 01) says what docs/evaluation.md says."""
from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _docs_rows() -> dict[str, tuple[float, int]]:
    text = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    section = text.split("## First measurements, set after set", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for m in re.finditer(r"^\| (holdout\d*) \| [^|]+ \| ([\d.]+) \| (\d+) / 40 \|", section, re.MULTILINE):
        rows[m.group(1)] = (float(m.group(2)), int(m.group(3)))
    return rows


def test_first_measurements_csv_matches_the_documented_table():
    with open(ROOT / "eval" / "first_measurements.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    documented = _docs_rows()
    assert len(documented) == len(rows) >= 13
    for row in rows:
        assert documented[row["set"]] == (float(row["findings_f1"]), int(row["determinations_correct"])), row["set"]
        assert (ROOT / "eval" / row["set"]).is_dir()
    assert [int(r["order"]) for r in rows] == list(range(1, len(rows) + 1))
