"""screener.io.flatten_record and the atomic writers."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from screener.io import FLAT_COLUMNS, atomic_path, flatten_record, read_records, write_records
from screener.io.writers import truncate_partial_line

CASE = {
    "patient_id": "P1", "status": "ok", "note_ids": ["N1", "N2"], "request_type": "permanent",
    "indication": "nonmalignant_pain", "service_date": dt.date(2026, 8, 1), "findings": {},
    "determinations": {
        "uhc": {"status": "meets_criteria", "policy": "UHC 2026T0626N", "branch": "nonmalignant_pain/permanent",
                "missing": [], "failed": [], "reasons": []},
        "molina": {"status": "insufficient_documentation", "policy": "MOL", "missing": ["psych_clearance", "trial_done"],
                   "failed": [], "reasons": ["psych clearance not documented", "no trial"]},
    },
}
ERROR = {"patient_id": "P2", "note_id": "N9", "status": "error", "error": "E202 text is empty", "source": "line 9"}


@pytest.mark.parametrize("record, expected", [
    (CASE, [("uhc", "meets_criteria", None), ("molina", "insufficient_documentation", "psych_clearance; trial_done")]),
    (ERROR, [(None, None, None)]),
    ({**CASE, "determinations": {}}, [(None, None, None)]),
])
def test_io_writers_flatten_one_row_per_payer(record, expected):
    rows = flatten_record(record)
    assert [(r["payer"], r["determination"], r["missing"] or None) for r in rows] == expected
    assert all(tuple(r) == FLAT_COLUMNS for r in rows)
    assert json.loads(rows[0]["record_json"])["patient_id"] == record["patient_id"]


def test_io_writers_flatten_error_row_keeps_note_id():
    (row,) = flatten_record(ERROR)
    assert (row["note_ids"], row["error"], row["source"]) == ("N9", "E202 text is empty", "line 9")


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_io_writers_write_records_every_format(tmp_path, suffix):
    path = tmp_path / f"out.{suffix}"
    assert write_records([CASE, ERROR], path) == 2
    if suffix == "jsonl":
        assert [r["patient_id"] for r in read_records(path)] == ["P1", "P2"]
        assert read_records(path)[0]["service_date"] == "2026-08-01"
    elif suffix == "csv":
        with open(path, newline="") as handle:
            assert [r["payer"] for r in csv.DictReader(handle)] == ["uhc", "molina", ""]
    else:
        assert pq.read_table(path).num_rows == 3


def test_io_writers_atomic_path_leaves_target_on_error(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half written")
            raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_io_writers_atomic_path_replaces_on_success(tmp_path):
    target = tmp_path / "sub" / "out.jsonl"
    with atomic_path(target) as tmp:
        tmp.write_text("new\n")
    assert target.read_text() == "new\n"


@pytest.mark.parametrize("content, expected", [
    ('{"a":1}\n{"b":', '{"a":1}\n'),
    ('{"a":1}\n', '{"a":1}\n'),
    ('{"half', ""),
    ("", ""),
])
def test_io_writers_truncate_partial_line(tmp_path, content, expected):
    path = tmp_path / "p.jsonl"
    path.write_text(content)
    truncate_partial_line(path)
    assert path.read_text() == expected


def test_io_writers_atomic_path_keeps_normal_permissions(tmp_path):
    import os
    import stat

    target = tmp_path / "out.jsonl"
    with atomic_path(target) as tmp:
        tmp.write_text("x\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
