"""Record shapes by detail level (screener.io.shapes; docs/bulk.md, "Record shapes"): each
evidence span once, criteria recomputed on reading, a schema version on every record."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from screener.bulk import screen_file
from screener.cli import main
from screener.errors import InputError
from screener.io import read_records
from screener.io.record_models import json_schema_text, validate
from screener.io.samples import note_to_dict, sample_extract
from screener.io.shapes import SCHEMA, expand, shape
from screener.pipeline import screen_case

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def records(reader):
    """The in-memory records of the sample cases (the pipeline's own shape)."""
    notes = sample_extract()
    by_patient: dict[str, list] = {}
    for note in notes:
        by_patient.setdefault(note.patient_id, []).append(note)
    return [json.loads(json.dumps(screen_case(n), default=str)) for n in by_patient.values()]


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes") / "extract.jsonl"
    path.write_text("".join(json.dumps(note_to_dict(n)) + "\n" for n in sample_extract()), encoding="utf-8")
    return path


@pytest.mark.parametrize("detail", ["standard", "full"])
def test_expanding_a_written_record_gives_back_the_pipeline_record(records, detail):
    for record in records:
        written = json.loads(json.dumps(shape(record, detail)))
        expected = dict(record)
        if detail == "standard":
            expected["mentions"] = []  # every mention is in full only
        assert expand(written) == expected, record["patient_id"]


def test_standard_stores_each_evidence_span_once_and_criteria_not_at_all(records):
    for record in records:
        written = shape(record, "standard")
        spans = {(e["key"], e["note_id"], e["start"], e["end"], e["rule_id"], repr(e["value"]))
                 for f in record["findings"].values() for e in f["evidence"] + f["superseded"]}
        assert len(written["evidence"]["start"]) == len(spans)
        assert all("criteria" not in d and "trace" not in d for d in written["determinations"].values())
        assert len(json.dumps(written)) < len(json.dumps(record)) / 5


def test_summary_keeps_each_payers_status_missing_and_failed(records):
    for record in records:
        written = shape(record, "summary")
        assert "evidence" not in written and "findings" not in written
        for payer, det in record["determinations"].items():
            assert written["determinations"][payer]["status"] == det["status"]
            assert written["determinations"][payer].get("missing", []) == det["missing"]
            assert written["determinations"][payer].get("failed", []) == det["failed"]


@pytest.mark.parametrize("detail", ["summary", "standard", "full"])
def test_screen_writes_the_detail_asked_and_every_record_fits_its_json_schema(extract, tmp_path, detail):
    out = tmp_path / "out.jsonl"
    screen_file(extract, out, workers=0, progress=False, detail=detail)
    written = read_records(out, as_written=True)
    assert len(written) == 18 and {r["detail"] for r in written} == {detail}
    for record in written:
        assert record["schema"] == SCHEMA
        validate(record)
    expanded = read_records(out)
    assert all(r["determinations"] for r in expanded)
    if detail != "summary":
        assert any(d["criteria"] for r in expanded for d in r["determinations"].values())


def test_summary_cannot_feed_fhir_output(extract, tmp_path):
    with pytest.raises(InputError, match="needs the evidence"):
        screen_file(extract, tmp_path / "a.ndjson", workers=0, progress=False, detail="summary", output_format_name="fhir")


def test_version_1_record_is_read_as_it_is_and_an_unknown_version_is_refused_by_name(records):
    old = dict(records[0])  # written before record shapes: no "schema"
    assert expand(old) == old
    with pytest.raises(InputError, match=r"screener\.case/9"):
        expand({**shape(records[0], "standard"), "schema": "screener.case/9"})
    with pytest.raises(InputError, match="other.thing/2"):
        expand({**shape(records[0], "standard"), "schema": "other.thing/2"})


def test_a_standard_record_whose_status_todays_rules_do_not_reproduce_says_so(records):
    record = next(r for r in records if r["determinations"]["uhc"]["status"] == "meets_criteria")
    written = shape(record, "standard")
    written["determinations"]["uhc"]["status"] = "does_not_meet"  # as if other rules had written it
    written["rules_version"] = "000000000000"
    back = expand(written)
    assert back["determinations"]["uhc"]["status"] == "does_not_meet"  # the stored verdict is kept
    assert any(w.startswith("W204") and "uhc" in w for w in back["warnings"])


@pytest.mark.parametrize("detail", ["summary", "standard", "full", "error"])
def test_docs_json_schemas_are_generated_from_the_models(detail):
    path = ROOT / "docs" / "schema" / f"case-{detail}.schema.json"
    assert path.read_text(encoding="utf-8") == json_schema_text(detail), f"regenerate: screener schema {detail} -o {path}"


def test_report_renders_results_of_any_detail(extract, tmp_path):
    for detail in ("summary", "standard"):
        out = tmp_path / f"{detail}.jsonl"
        screen_file(extract, out, workers=0, progress=False, detail=detail)
        page = tmp_path / f"{detail}.html"
        assert main(["report", str(extract), "--results", str(out), "-o", str(page), "--case", "C01"]) == 0
        html = page.read_text(encoding="utf-8")
        assert "C01" in html and "meets_criteria" in html


def test_parquet_output_has_typed_columns_that_point_into_the_notes(extract, tmp_path):
    import pyarrow.parquet as pq

    from screener.io.flatten import arrow_schema

    out = tmp_path / "out.parquet"
    screen_file(extract, out, workers=0, progress=False)
    table = pq.read_table(out)
    assert table.schema == arrow_schema()
    texts = {n.note_id: n.text for n in sample_extract()}
    rows = table.to_pylist()
    assert len(rows) == 18 * 4
    spans = 0
    for row in rows:
        assert isinstance(row["note_ids"], list) and isinstance(row["missing"], list)
        assert {c["result"] for c in row["criteria"]} <= {"met", "not_met", "missing", "not_evaluated"}
        for ev in row["evidence"]:
            assert texts[ev["note_id"]][ev["start"]:ev["end"]] == ev["text"]
            spans += 1
        if row["determination"] == "insufficient_documentation":
            assert row["missing"]
    assert spans > 100
