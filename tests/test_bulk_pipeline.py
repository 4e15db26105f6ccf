"""The bulk runner with the real ``screener.pipeline.screen_case`` (integration).

Kept small: a few cases, a handful of hypothesis examples; the mechanics are tested with
the fake in test_bulk_runner.py / test_bulk_properties.py."""
from __future__ import annotations

import collections
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.bulk import screen_file
from screener.io import read_records
from screener.io.samples import note_to_dict, sample_extract

pytest.importorskip("screener.pipeline")


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sample_rows():
    notes = sample_extract()
    rows = [note_to_dict(n) for n in notes]
    return rows[::-1]  # reversed: cases are not contiguous the way they were written


def test_bulk_pipeline_records_follow_the_contract(tmp_path, sample_rows):
    rows = sample_rows + [{"patient_id": "X1", "note_id": "X1-N1", "text": ""}]
    summary = screen_file(write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl", workers=0, progress=False)
    records = read_records(tmp_path / "out.jsonl")
    cases = [r for r in records if r["status"] != "error"]
    assert len(cases) == len({r["patient_id"] for r in sample_rows}) == summary.cases
    for record in cases:
        assert set(record["determinations"]) == {"uhc", "lhcc", "cohere", "molina"}
        for det in record["determinations"].values():
            assert det["status"] in {"meets_criteria", "does_not_meet", "insufficient_documentation",
                                     "external_criteria", "not_addressed"}
    assert [r["error"][:4] for r in records if r["status"] == "error"] == ["E202"]


def test_bulk_pipeline_workers_match_in_process(tmp_path, sample_rows):
    inp = write_jsonl(tmp_path / "in.jsonl", sample_rows[:12])
    screen_file(inp, tmp_path / "w0.jsonl", workers=0, progress=False, service_date=None)
    screen_file(inp, tmp_path / "w2.jsonl", workers=2, progress=False, service_date=None)

    def statuses(path):
        return {r["patient_id"]: {p: d["status"] for p, d in r["determinations"].items()} for r in read_records(path)}

    assert statuses(tmp_path / "w0.jsonl") == statuses(tmp_path / "w2.jsonl")


words = st.sampled_from(["pain", "8/10", "intrathecal", "trial", "denies", "dementia", "60%", "relief", "psych",
                         "cleared", "months", "\n", "PLAN:", "baclofen", "cancer", "no", "."])
texts = st.one_of(st.lists(words, max_size=40).map(" ".join), st.text(max_size=120))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({
    "patient_id": st.sampled_from(["P1", "P2", "P3"]),
    "note_id": st.text(alphabet=string.ascii_letters, min_size=1, max_size=4),
    "text": texts}), min_size=1, max_size=6))
def test_bulk_pipeline_random_text_every_row_accounted(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("real")
    inp = write_jsonl(folder / "in.jsonl", rows)
    screen_file(inp, folder / "out.jsonl", workers=0, progress=False)
    seen: collections.Counter = collections.Counter()
    records = read_records(folder / "out.jsonl")
    assert not [r["error"] for r in records if str(r.get("error"))[:4] in ("E209", "E210")]  # screen_case never raised
    for rec in records:
        seen.update(rec["note_ids"] if "note_ids" in rec else [rec["note_id"]])
    assert seen == collections.Counter(r["note_id"] for r in rows)
