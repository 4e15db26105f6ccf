"""``screener screen``: exit codes, messages and options (the runner itself is tested in
test_bulk_runner.py; these use the fake screen function through ``--screen-fn``)."""
from __future__ import annotations

import json

import pytest

from screener.cli import main
from screener.io import read_records

FAKE = "test_bulk_fakes:fake_screen"


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("name, content", [
    ("missing.jsonl", None),
    ("empty.jsonl", ""),
    ("notes.txt", "a note"),
    ("cols.csv", "patient,note,body\nP1,N1,x\n"),
])
def test_cli_screen_unreadable_input_exit_2(tmp_path, capsys, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    code = main(["screen", str(path), "-o", str(tmp_path / "out.jsonl"), "--screen-fn", FAKE, "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("screener: E300") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({name} - {"missing.jsonl"})  # nothing written


def test_cli_screen_bad_notes_exit_0_with_error_rows(tmp_path, capsys):
    inp = write_jsonl(tmp_path / "in.jsonl", [
        {"patient_id": "P1", "note_id": "N1", "text": "pain"},
        {"patient_id": "P1", "note_id": "N2", "text": ""},
        {"patient_id": "P2", "note_id": "N1", "text": "dup"},
    ])
    out = tmp_path / "out.jsonl"
    summary_json = tmp_path / "summary.json"
    code = main(["screen", str(inp), "-o", str(out), "--screen-fn", FAKE, "--workers", "0",
                 "--payers", "uhc,cohere", "--service-date", "2026-08-01", "--summary-json", str(summary_json)])
    assert code == 0
    records = read_records(out)
    assert sorted(r.get("error", "ok")[:4] for r in records) == ["E202", "E206", "ok"]
    case = next(r for r in records if r["status"] == "ok")
    assert set(case["determinations"]) == {"uhc", "cohere"} and case["service_date"] == "2026-08-01"
    assert "screened 1 cases" in capsys.readouterr().out
    assert json.loads(summary_json.read_text())["error_rows"] == 2


@pytest.mark.parametrize("option", [["--payers", "aetna"], ["--service-date", "08/01/2026"],
                                    ["--workers", "-1"], ["--max-note-bytes", "lots"],
                                    ["--case-timeout", "-5"], ["--case-timeout", "soon"]])
def test_cli_screen_bad_option_is_usage_error(tmp_path, option):
    with pytest.raises(SystemExit) as info:
        main(["screen", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o.jsonl"), *option])
    assert info.value.code == 2


def test_cli_screen_max_note_bytes_option(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"patient_id": "P1", "note_id": "N1", "text": "x" * 2000}])
    out = tmp_path / "out.csv"
    assert main(["screen", str(inp), "-o", str(out), "--screen-fn", FAKE, "--workers", "0", "--max-note-bytes", "1k"]) == 0
    assert "E205" in out.read_text()


def test_cli_screen_case_timeout_option(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"patient_id": "P1", "note_id": "N1", "text": "SLOW"},
                                              {"patient_id": "P2", "note_id": "N2", "text": "pain"}])
    out = tmp_path / "out.jsonl"
    assert main(["screen", str(inp), "-o", str(out), "--screen-fn", FAKE, "--workers", "0", "--case-timeout", "0.3"]) == 0
    records = {r["patient_id"]: r for r in read_records(out)}
    assert records["P1"]["error"].startswith("E211") and records["P2"]["status"] == "ok"
