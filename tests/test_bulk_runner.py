"""screener.bulk.screen_file mechanics, with the fake screen function (tests/test_bulk_fakes.py):
grouping, spill, duplicates, resume, atomic output, worker crashes, output formats."""
from __future__ import annotations

import collections
import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_bulk_fakes import CALLS, fake_screen

from screener.bulk import screen_file
from screener.errors import InputError
from screener.io import FLAT_COLUMNS, read_records
from screener.io.flatten import PARQUET_COLUMNS


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


def notes(n_patients: int, per_patient: int, shuffle: bool = False, seed: int = 0) -> list[dict]:
    rows = [
        {"patient_id": f"P{p:03d}", "note_id": f"P{p:03d}-N{k}", "text": f"pain note {k} of patient {p}",
         "note_date": f"2024-01-{k + 1:02d}"}
        for p in range(n_patients) for k in range(per_patient)
    ]
    if shuffle:
        random.Random(seed).shuffle(rows)
    return rows


def accounted(records: list[dict]) -> collections.Counter:
    """note_id -> how many times the output mentions it (case note_ids + error rows)."""
    out: collections.Counter = collections.Counter()
    for rec in records:
        if "note_ids" in rec:  # a case record (screen_case may give status "error" too)
            out.update(rec["note_ids"])
        else:
            out[rec.get("note_id")] += 1
    return out


def run(tmp_path, rows, name="out.jsonl", **kwargs):
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    kwargs.setdefault("workers", 0)
    summary = screen_file(inp, tmp_path / name, screen_fn=fake_screen, progress=False, **kwargs)
    return summary, tmp_path / name


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("workers", [0, 2])
def test_bulk_runner_groups_notes_by_patient_whatever_the_order(tmp_path, shuffle, workers):
    rows = notes(40, 3, shuffle=shuffle)
    summary, out = run(tmp_path, rows, workers=workers)
    records = read_records(out)
    assert len(records) == 40 == summary.cases
    by_patient = {r["patient_id"]: sorted(r["note_ids"]) for r in records}
    assert by_patient["P007"] == ["P007-N0", "P007-N1", "P007-N2"]
    assert accounted(records) == collections.Counter(r["note_id"] for r in rows)


def test_bulk_runner_case_order_is_first_appearance(tmp_path):
    rows = [{"patient_id": p, "note_id": f"{p}{i}", "text": "pain"} for i, p in enumerate("CABCA")]
    _, out = run(tmp_path, rows)
    records = read_records(out)
    assert [r["patient_id"] for r in records] == ["C", "A", "B"]
    assert records[0]["note_ids"] == ["C0", "C3"]


def test_bulk_runner_error_rows_and_duplicates_accounted(tmp_path):
    rows = notes(3, 2) + [
        {"patient_id": "P000", "note_id": "P000-N0", "text": "duplicate"},
        {"patient_id": "P009", "note_id": "", "text": "no id"},
        {"patient_id": "P009", "note_id": "E1", "text": "   "},
    ]
    summary, out = run(tmp_path, rows)
    records = read_records(out)
    errors = sorted(r["error"][:4] for r in records if r["status"] == "error")
    assert errors == ["E201", "E202", "E206"]
    assert summary.error_rows == 3 and summary.cases == 3 and summary.rows_read == 9


def test_bulk_runner_warnings_reach_the_case_record(tmp_path):
    rows = [{"patient_id": "P1", "note_id": "N1", "text": "pain", "note_date": "31/12/2023"}]
    _, out = run(tmp_path, rows)
    (record,) = read_records(out)
    assert record["warnings"][0].startswith("W201 note N1")


@pytest.mark.parametrize("workers", [0, 2])
def test_bulk_runner_screen_exception_becomes_error_rows(tmp_path, workers):
    rows = notes(4, 2)
    rows[2]["text"] = "RAISE secret"  # P001's first note
    summary, out = run(tmp_path, rows, workers=workers)
    records = read_records(out)
    errors = [r for r in records if r["status"] == "error"]
    assert sorted(e["note_id"] for e in errors) == ["P001-N0", "P001-N1"]
    assert all(e["error"].startswith("E209 screening this case failed: ValueError") for e in errors)
    assert all("secret" not in e["error"] for e in errors)  # no note text in reasons
    assert summary.cases == 3


def test_bulk_runner_worker_crash_becomes_error_rows_and_run_goes_on(tmp_path):
    rows = notes(30, 2, shuffle=True)
    crash = next(r for r in rows if r["patient_id"] == "P017")
    crash["text"] = "CRASH"
    summary, out = run(tmp_path, rows, workers=2)
    records = read_records(out)
    errors = [r for r in records if r["status"] == "error"]
    assert sorted(e["note_id"] for e in errors) == ["P017-N0", "P017-N1"]
    assert all(e["error"].startswith("E210") for e in errors)
    assert summary.cases == 29
    assert accounted(records) == collections.Counter(r["note_id"] for r in rows)


@pytest.mark.parametrize(
    "trigger, workers, task_notes, expected_reason",
    [
        # the alarm in the worker (or in this process) stops a slow case; the worker goes on
        ("SLOW", 0, 8, "E211 screening this case took longer than the time limit (1s, --case-timeout)"),
        ("SLOW", 2, 8, "E211 screening this case took longer than the time limit (1s, --case-timeout)"),
        # a worker the alarm cannot reach: the parent's watchdog stops it, the case alone in its batch
        ("HANG", 2, 1, "E211 screening this case took longer than the time limit (1s, --case-timeout); the worker was stopped"),
        # ... or in a batch with others: they are retried one at a time, the hanging one stopped again
        ("HANG", 2, 4, "E211 screening this case took longer than the time limit (1s, --case-timeout); the worker was stopped"),
    ],
)
def test_bulk_runner_case_over_time_limit_becomes_error_rows_and_run_goes_on(
    tmp_path, monkeypatch, trigger, workers, task_notes, expected_reason
):
    import screener.bulk

    monkeypatch.setattr(screener.bulk, "WATCHDOG_GRACE", 0.5)
    rows = notes(12, 2)
    slow = next(r for r in rows if r["patient_id"] == "P005")
    slow["text"] = trigger
    summary, out = run(tmp_path, rows, workers=workers, task_notes=task_notes, case_timeout=1)
    records = read_records(out)
    errors = [r for r in records if r["status"] == "error"]
    assert sorted(e["note_id"] for e in errors) == ["P005-N0", "P005-N1"]
    assert {e["error"] for e in errors} == {expected_reason}
    assert summary.cases == 11 and summary.error_codes == {"E211": 2}
    assert accounted(records) == collections.Counter(r["note_id"] for r in rows)


def test_bulk_runner_without_time_limit_lets_a_case_run(tmp_path, monkeypatch):
    import test_bulk_fakes

    monkeypatch.setattr(test_bulk_fakes.time, "sleep", lambda s: None)  # SLOW returns at once
    rows = notes(2, 1)
    rows[0]["text"] = "SLOW"
    summary, _ = run(tmp_path, rows, case_timeout=0)
    assert summary.cases == 2 and summary.error_rows == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_bulk_runner_flat_outputs_one_row_per_case_and_payer(tmp_path, fmt):
    rows = notes(5, 2) + [{"patient_id": "P9", "note_id": "bad", "text": ""}]
    _, out = run(tmp_path, rows, name=f"out.{fmt}", payers=["uhc", "molina"])
    if fmt == "csv":
        import csv

        with open(out, newline="") as handle:
            table = list(csv.DictReader(handle))
    else:
        table = pq.read_table(out).to_pylist()
    assert len(table) == 5 * 2 + 1
    assert tuple(table[0]) == (FLAT_COLUMNS if fmt == "csv" else PARQUET_COLUMNS)
    assert {r["payer"] for r in table if r["status"] == "ok"} == {"uhc", "molina"}
    if fmt == "parquet":  # typed: lists stay lists
        ok = next(r for r in table if r["status"] == "ok")
        assert isinstance(ok["note_ids"], list) and isinstance(ok["missing"], list) and isinstance(ok["criteria"], list)
    (error,) = [r for r in table if r["status"] == "error"]
    assert json.loads(error["record_json"])["note_id"] == "bad"
    assert error["error"].startswith("E202") and not error["payer"]


def test_bulk_runner_resume_after_interruption_no_duplicates(tmp_path):
    rows = notes(20, 2)
    rows[25]["text"] = "INTERRUPT"  # P012: a Ctrl-C while screening the 13th case
    rows[6]["text"] = "NOREAD"  # P003: a case-level error record, finished before the interruption
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        screen_file(inp, out, screen_fn=fake_screen, workers=0, progress=False, task_notes=1)
    assert not out.exists()
    partial = tmp_path / "out.jsonl.partial.jsonl"
    done_before = {json.loads(line)["patient_id"] for line in partial.read_text().splitlines()}
    assert len(done_before) == 12
    with open(partial, "a") as handle:  # a kill in the middle of a write
        handle.write('{"patient_id": "P012", "status": "o')
    CALLS.clear()
    summary = screen_file(inp, out, screen_fn=_no_interrupt, workers=0, progress=False, resume=True)
    assert set(CALLS).isdisjoint(done_before)  # finished cases not redone
    assert len(CALLS) == 8 and summary.resumed_records == 12
    records = read_records(out)
    assert len(records) == 20
    assert accounted(records) == collections.Counter(r["note_id"] for r in rows)
    assert not partial.exists() and not (tmp_path / "out.jsonl.resume.json").exists()


def test_bulk_runner_resume_refuses_a_different_input(tmp_path):
    rows = notes(4, 1)
    rows[2]["text"] = "INTERRUPT"
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        screen_file(inp, out, screen_fn=fake_screen, workers=0, progress=False, task_notes=1)
    write_jsonl(inp, notes(5, 1))
    with pytest.raises(InputError, match="--resume"):
        screen_file(inp, out, screen_fn=fake_screen, workers=0, progress=False, resume=True)


def test_bulk_runner_resume_keeps_error_rows_once(tmp_path):
    rows = notes(6, 1) + [{"patient_id": "P8", "note_id": "", "text": "x"}]
    rows[4]["text"] = "INTERRUPT"
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        screen_file(inp, out, screen_fn=fake_screen, workers=0, progress=False, task_notes=1)
    partial = (tmp_path / "out.jsonl.partial.jsonl").read_text()
    assert '"E201' in partial  # error rows were checkpointed before screening
    # resume with the same bytes: the INTERRUPT text must now pass, so swap the function
    summary = screen_file(inp, out, screen_fn=_no_interrupt, workers=0, progress=False, resume=True)
    records = read_records(out)
    assert sum(r["status"] == "error" for r in records) == 1
    assert len(records) == 7 and summary.error_rows == 0


def _no_interrupt(notes, payers=None, service_date=None):
    from screener.model import Note

    return fake_screen([Note(n.patient_id, n.note_id, n.text.replace("INTERRUPT", "-")) for n in notes], payers)


def test_bulk_runner_output_is_atomic_on_interrupt(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("previous complete output\n")
    rows = notes(10, 1)
    rows[5]["text"] = "INTERRUPT"
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, rows, task_notes=1)
    assert out.read_text() == "previous complete output\n"
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["in.jsonl", "out.jsonl", "out.jsonl.partial.jsonl", "out.jsonl.resume.json"]


def test_bulk_runner_fresh_run_discards_stale_partial(tmp_path):
    (tmp_path / "out.jsonl.partial.jsonl").write_text('{"patient_id": "P000", "status": "ok", "note_ids": ["x"]}\n')
    summary, out = run(tmp_path, notes(3, 1))
    assert summary.resumed_records == 0
    assert [r["patient_id"] for r in read_records(out)] == ["P000", "P001", "P002"]


def test_bulk_runner_unknown_output_format(tmp_path):
    with pytest.raises(InputError, match="output format"):
        run(tmp_path, notes(1, 1), name="out.xlsx")


def test_bulk_runner_summary_counts_statuses_per_payer(tmp_path):
    summary, _ = run(tmp_path, notes(12, 1), payers=["uhc", "lhcc"])
    assert set(summary.determinations) == {"uhc", "lhcc"}
    assert sum(summary.determinations["uhc"].values()) == 12
    text = summary.format()
    assert "determinations" in text and "uhc" in text
