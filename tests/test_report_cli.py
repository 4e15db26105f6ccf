"""``screener report``: reads any notes input, screens case by case, writes the review page.

The screening function is replaced by the examples' stand-in (evidence at known offsets),
so this checks the command, not extraction.
"""
from __future__ import annotations

import json

import pytest

from screener.cli import main
from screener.cli import report as report_cli
from screener.report.examples import example_screen_case

NOTES = [
    {"patient_id": "P1", "note_id": "N1", "text": "Patient denies dementia. <script>window.__pwned=1</script>", "note_date": "2026-01-02"},
    {"patient_id": "P1", "note_id": "N2", "text": "Trial planned."},
    {"patient_id": "P2", "note_id": "N3", "text": "No dementia noted."},
    {"patient_id": "P3", "text": "missing note id"},
]
CALLS: list[dict] = []


@pytest.fixture
def stand_in(monkeypatch):
    CALLS.clear()

    def screen_case(notes, payers=None, service_date=None):
        CALLS.append({"pids": {n.patient_id for n in notes}, "payers": payers, "service_date": service_date})
        return example_screen_case(notes, payers=payers, service_date=service_date)

    monkeypatch.setattr(report_cli, "_screen_fn", lambda: screen_case)


@pytest.fixture
def notes_jsonl(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(n) + "\n" for n in NOTES), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "extra,cases,errors,payers,service_date",
    [
        ([], ["p1", "p2"], 1, None, None),
        (["--case", "P2"], ["p2"], 0, None, None),
        (["--payers", "uhc", "molina", "--service-date", "2026-08-01"], ["p1", "p2"], 1, ["uhc", "molina"], "2026-08-01"),
        (["--payers", "cohere,lhcc"], ["p1", "p2"], 1, ["cohere", "lhcc"], None),
    ],
)
def test_report_cli_screens_and_writes(stand_in, notes_jsonl, tmp_path, capsys, extra, cases, errors, payers, service_date):
    out = tmp_path / "report.html"
    assert main(["report", str(notes_jsonl), "-o", str(out), "--workers", "0", *extra]) == 0
    page = out.read_text(encoding="utf-8")
    for pid in cases:
        assert f'data-pid="{pid}"' in page
    assert page.count('data-st="error"') == errors
    assert CALLS[0]["payers"] == payers
    assert (CALLS[0]["service_date"].isoformat() if CALLS[0]["service_date"] else None) == service_date
    assert [c["pids"] for c in CALLS] == [{p.upper()} for p in cases]
    assert ("&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page) == ("p1" in cases)
    assert "<script>window.__pwned" not in page
    printed = capsys.readouterr().out
    assert "wrote" in printed and "dementia" not in printed


def test_report_cli_renders_given_results(notes_jsonl, tmp_path):
    from screener.io import read_notes

    notes = [n for n in read_notes(notes_jsonl) if not isinstance(n, dict)]
    records = [example_screen_case([n for n in notes if n.patient_id == "P1"])]
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(records[0]) + "\n", encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(notes_jsonl), "--results", str(results), "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert 'data-pid="p1"' in page and 'data-pid="p2"' not in page and 'data-st="error"' in page
    assert '<mark class="hl k-negated" data-s="e1"' in page


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--case", "NOPE"], "E300 patient_id 'NOPE' not found"),
        (["--payers", "aetna"], "E300 unknown payer 'aetna'"),
        (["--service-date", "8/1/2026"], "not an ISO date"),
    ],
)
def test_report_cli_bad_arguments(stand_in, notes_jsonl, tmp_path, capsys, args, fragment):
    assert main(["report", str(notes_jsonl), "-o", str(tmp_path / "x.html"), *args]) == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_report_cli_missing_input(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "x.html")]) == 2
    assert "E300" in capsys.readouterr().err
