"""Property-based: random records and random text through ``screen_file`` in every input
format; every input row is accounted for in the output, exactly once (issue 4, item 6).

Accounting: each input row is either one entry of one case record's ``note_ids`` or one
error row (a repeated note_id is both: its first copy in a case, the copy an E206 row).
"""
from __future__ import annotations

import collections
import csv
import json
import string

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bulk_fakes import fake_screen

from screener.bulk import screen_file
from screener.io import read_records

ids = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=0, max_size=6)
texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(max_codepoint=0x40), max_size=50),  # controls, quotes, newlines
    st.sampled_from(["", "   ", "\n", '"', '""', "a,b", "\x00\x00\x00", "chronic pain 8/10"]),
)
dates = st.one_of(st.none(), st.sampled_from(["2024-02-30", "2024-02-03", "soon", ""]), st.dates().map(str))
records = st.fixed_dictionaries(
    {"patient_id": st.sampled_from(["P1", "P2", "P3", "P4", "", "P5 "]), "note_id": ids, "text": texts},
    optional={"note_date": dates, "request_type": st.sampled_from(["trial", "PERMANENT", "x", ""])},
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def write_input(path, rows, fmt):
    fields = ["patient_id", "note_id", "text", "note_date", "request_type"]
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    else:
        table = pa.Table.from_pylist([{k: r.get(k) for k in fields} for r in rows],
                                     schema=pa.schema([(k, pa.string()) for k in fields]))
        pq.write_table(table, path)


def check_accounted(rows, records):
    """Every row once: valid ids in note_ids or an error row; id-less rows as error rows."""
    expected = collections.Counter((r["note_id"].strip() or None) if r["patient_id"].strip() else "<no-pid>"
                                   for r in rows)
    seen: collections.Counter = collections.Counter()
    for rec in records:
        if "note_ids" in rec:
            seen.update(rec["note_ids"])
        else:
            seen[rec["note_id"] if rec.get("patient_id") else "<no-pid>"] += 1
    assert seen == expected
    cases = [r["patient_id"] for r in records if "note_ids" in r]
    assert len(cases) == len(set(cases))  # one record per case


@SETTINGS
@given(rows=st.lists(records, max_size=25), fmt=st.sampled_from(["jsonl", "csv", "parquet"]))
def test_bulk_properties_every_row_accounted(tmp_path_factory, rows, fmt):
    folder = tmp_path_factory.mktemp("prop")
    inp = folder / f"in.{fmt}"
    write_input(inp, rows, fmt)
    if not rows and fmt == "jsonl":
        return  # an empty jsonl file is an unreadable input (InputError), tested elsewhere
    out = folder / "out.jsonl"
    summary = screen_file(inp, out, screen_fn=fake_screen, workers=0, progress=False)
    records = read_records(out)
    check_accounted(rows, records)
    assert summary.rows_read == len(rows)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(records, min_size=1, max_size=30))
def test_bulk_properties_every_row_accounted_with_workers(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("prop")
    inp = folder / "in.jsonl"
    write_input(inp, rows, "jsonl")
    out = folder / "out.jsonl"
    screen_file(inp, out, screen_fn=fake_screen, workers=2, progress=False, task_notes=2)
    check_accounted(rows, read_records(out))
