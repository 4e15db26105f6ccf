"""``screener demo``: the bundled sample extract, screened and reported (issue 4, item 4)."""
from __future__ import annotations

import json

import pytest
from test_bulk_fakes import fake_screen

from screener.cli.demo import run_demo
from screener.gold import load_gold
from screener.io.samples import sample_extract, sample_notes_dir


def test_bulk_demo_sample_extract_matches_gold_cases():
    cases = load_gold(sample_notes_dir())
    notes = sample_extract()
    assert len(notes) == sum(len(c.notes) for c in cases) > 0
    assert len({n.note_id for n in notes}) == len(notes)


def test_bulk_demo_writes_results_and_report(tmp_path):
    paths = run_demo(tmp_path / "demo", workers=0, screen_fn=fake_screen)
    records = [json.loads(line) for line in paths["results"].read_text().splitlines()]
    patients = {n.patient_id for n in sample_extract()}
    assert {r["patient_id"] for r in records} == patients
    assert all(r["status"] == "ok" for r in records)
    html = paths["report"].read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and len(html) > 1000
    assert (tmp_path / "demo" / "extract.jsonl").exists()


def test_bulk_demo_real_pipeline(tmp_path):
    pytest.importorskip("screener.pipeline")
    gold = {c.patient_id: c.determinations for c in load_gold(sample_notes_dir())}
    paths = run_demo(tmp_path / "demo", workers=0)
    records = [json.loads(line) for line in paths["results"].read_text().splitlines()]
    assert {r["patient_id"] for r in records} == set(gold)
    assert all(set(r["determinations"]) == {"uhc", "lhcc", "cohere", "molina"} for r in records)
