"""screener.io.read_notes: every input format, every kind of bad input (issue 4, item 6)."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from screener.errors import InputError
from screener.io import InputNote, read_notes
from screener.io.readers import parse_size
from screener.model import Note

FIELDS = ["patient_id", "note_id", "text", "note_date", "request_type", "service_date"]


def write_jsonl(path: Path, rows: list) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def write_csv(path: Path, rows: list[dict], fields=FIELDS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}


def codes(items) -> list[str | None]:
    return [None if isinstance(i, Note) else i["error"][:4] for i in items]


def good(pid="P1", nid="N1", text="Chronic low back pain, failed PT.", **extra):
    return {"patient_id": pid, "note_id": nid, "text": text, **extra}


# --------------------------------------------------------------------------- per-record reasons

BAD_RECORDS = [
    ("missing_note_id", good(nid=""), "E201"),
    ("missing_patient_id", good(pid="  "), "E201"),
    ("empty_text", good(text=""), "E202"),
    ("whitespace_text", good(text=" \n\t "), "E202"),
    ("binary_text", good(text="\x00\x01\x02\x03abc"), "E203"),
    ("too_large", good(text="x" * 5000), "E205"),
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize("name, record, code", BAD_RECORDS, ids=[c[0] for c in BAD_RECORDS])
def test_io_readers_bad_record_becomes_error_row(tmp_path, fmt, name, record, code):
    rows = [good(nid="A"), record, good(nid="Z")]
    path = WRITERS[fmt](tmp_path / f"in.{fmt}", rows)
    items = list(read_notes(path, max_note_bytes=4096))
    assert codes(items) == [None, code, None]
    assert items[1]["status"] == "error"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_io_readers_duplicate_note_id_keeps_first(tmp_path, fmt):
    rows = [good(nid="N1", text="first"), good(pid="P2", nid="N1", text="second"), good(nid="N2")]
    items = list(read_notes(WRITERS[fmt](tmp_path / f"in.{fmt}", rows)))
    assert codes(items) == [None, "E206", None]
    assert items[0].text == "first"
    assert items[1]["note_id"] == "N1" and items[1]["patient_id"] == "P2"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
@pytest.mark.parametrize("value, expected, warned", [
    ("2024-03-01", dt.date(2024, 3, 1), False),
    ("2024-03-01T10:30:00", dt.date(2024, 3, 1), False),
    ("03/01/2024", None, True),
    ("2024-13-45", None, True),
    ("last tuesday", None, True),
    ("", None, False),
])
def test_io_readers_unparseable_date_is_null_with_warning(tmp_path, fmt, value, expected, warned):
    path = WRITERS[fmt](tmp_path / f"in.{fmt}", [good(note_date=value, service_date=value)])
    (note,) = read_notes(path)
    assert isinstance(note, InputNote)
    assert note.note_date == expected and note.service_date == expected
    assert any(w.startswith("W201") for w in note.warnings) is warned


@pytest.mark.parametrize("value, expected, warned", [
    ("Permanent", "permanent", False), ("trial", "trial", False), ("implant", None, True), ("", None, False)])
def test_io_readers_request_type_normalised(tmp_path, value, expected, warned):
    (note,) = read_notes(write_jsonl(tmp_path / "in.jsonl", [good(request_type=value)]))
    assert note.request_type == expected
    assert any(w.startswith("W202") for w in note.warnings) is warned


def test_io_readers_control_characters_replaced_keep_offsets(tmp_path):
    text = "pain\x07 score 8/10\x1b today"
    (note,) = read_notes(write_jsonl(tmp_path / "in.jsonl", [good(text=text)]))
    assert note.text == "pain  score 8/10  today"
    assert len(note.text) == len(text)
    assert note.warnings[0].startswith("W203")


@pytest.mark.parametrize("id_value, expected", [(17, "17"), (" P9 ", "P9"), (3.0, "3")])
def test_io_readers_ids_read_as_strings(tmp_path, id_value, expected):
    (note,) = read_notes(write_jsonl(tmp_path / "in.jsonl", [good(pid=id_value, nid=id_value)]))
    assert (note.patient_id, note.note_id) == (expected, expected)


# --------------------------------------------------------------------------- whole input unreadable


@pytest.mark.parametrize("name, content", [
    ("empty.jsonl", b""),
    ("blank.jsonl", b"\n  \n"),
    ("empty.csv", b""),
    ("nocols.csv", b"patient_id,body\nP1,hello\n"),
    ("notes.xml", b"<notes/>"),
    ("bad.parquet", b"not parquet at all"),
    ("missing.jsonl", None),
])
def test_io_readers_unreadable_input_raises_input_error(tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_notes(path)
    assert str(info.value).startswith("E300")


def test_io_readers_parquet_missing_columns_named(tmp_path):
    path = write_parquet(tmp_path / "in.parquet", [{"patient_id": "P1", "body": "x"}])
    with pytest.raises(InputError, match="note_id, text"):
        read_notes(path)


def test_io_readers_header_only_csv_is_zero_notes(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("patient_id,note_id,text\n")
    assert list(read_notes(path)) == []


def test_io_readers_empty_folder_raises(tmp_path):
    with pytest.raises(InputError):
        read_notes(tmp_path)


# --------------------------------------------------------------------------- jsonl specifics


def test_io_readers_jsonl_bad_lines_are_rows(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        json.dumps(good(nid="A")).encode() + b"\n"
        + b'{"patient_id": "P1", "note_id": "B", "text": "trunc\n'
        + b'[1, 2]\n'
        + b'{"patient_id": "P1", "note_id": "C", "text": "bad \xff\xfe byte"}\n'
        + json.dumps(good(nid="D")).encode() + b"\n"
    )
    items = list(read_notes(path))
    assert codes(items) == [None, "E207", "E207", "E204", None]
    assert items[1]["note_id"] == "B"  # ids recovered from the broken line
    assert [i["source"] for i in items[1:4]] == ["line 2", "line 3", "line 4"]


def test_io_readers_fifty_megabyte_note_jsonl(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w") as handle:
        handle.write(json.dumps(good(nid="before")) + "\n")
        handle.write('{"patient_id": "P1", "note_id": "huge", "text": "' + "pain " * 10_000_000 + '"}\n')
        handle.write(json.dumps(good(nid="after")) + "\n")
    items = list(read_notes(path))
    assert codes(items) == [None, "E205", None]
    assert items[1]["note_id"] == "huge"
    assert [items[0].note_id, items[2].note_id] == ["before", "after"]


# --------------------------------------------------------------------------- csv specifics


def test_io_readers_csv_broken_quote_costs_one_row(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "patient_id,note_id,text\n"
        'P1,N1,"multi\nline note"\n'
        'P2,N2,"broken quote here\n'
        'P3,N3,"fine"\n'
        "P4,N4,plain text\n"
    )
    items = list(read_notes(path))
    assert codes(items) == [None, "E207", None, None]
    assert items[0].text == "multi\nline note"
    assert items[1]["note_id"] == "N2" and items[1]["source"] == "line 4"
    assert [items[2].note_id, items[3].note_id] == ["N3", "N4"]


def test_io_readers_csv_unbalanced_quote_at_end_is_reported(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("patient_id,note_id,text\nP1,N1,ok\nP2,N2,\"never closed\nP3,N3,plain\n")
    items = list(read_notes(path))
    assert codes(items) == [None, "E207", None]
    assert items[2].note_id == "N3"


def test_io_readers_csv_wrong_field_count(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("patient_id,note_id,text\nP1,N1,a,b\nP2,N2,ok\n")
    assert codes(read_notes(path)) == ["E207", None]


def test_io_readers_csv_non_utf8_bytes(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"patient_id,note_id,text\nP1,N1,caf\xe9 latin-1\nP2,N2,ok\n")
    items = list(read_notes(path))
    assert codes(items) == ["E204", None]
    assert items[0]["note_id"] == "N1"


def test_io_readers_fifty_megabyte_note_csv(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", newline="") as handle:
        handle.write("patient_id,note_id,text\nP1,before,ok\n")
        handle.write('P1,huge,"' + ("pain line\n" * 5_000_000) + '"\n')
        handle.write("P1,after,ok\n")
    items = list(read_notes(path))
    assert codes(items) == [None, "E205", None]
    assert items[1]["note_id"] == "huge"


# --------------------------------------------------------------------------- folder


def test_io_readers_folder_stems_are_ids(tmp_path):
    (tmp_path / "N1.txt").write_text("pain note one")
    (tmp_path / "N2.txt").write_text("pain note two")
    items = list(read_notes(tmp_path))
    assert [(n.patient_id, n.note_id) for n in items] == [("N1", "N1"), ("N2", "N2")]


def test_io_readers_folder_manifest_maps_ids(tmp_path):
    (tmp_path / "a.txt").write_text("pain note one")
    (tmp_path / "b.txt").write_text("pain note two")
    (tmp_path / "c.txt").write_text("pain note three")
    (tmp_path / "manifest.csv").write_text(
        "file,patient_id,note_id,note_date,request_type\n"
        "a.txt,P1,N-a,2024-01-02,trial\n"
        "b.txt,P1,N-b,,\n"
        "gone.txt,P2,N-gone,,\n"
    )
    items = list(read_notes(tmp_path))
    assert [(i.patient_id, i.note_id) if isinstance(i, Note) else i["error"][:4] for i in items] == [
        ("P1", "N-a"), ("P1", "N-b"), ("c", "c"), "E208"]
    assert items[0].note_date == dt.date(2024, 1, 2) and items[0].request_type == "trial"


@pytest.mark.parametrize("name, content, code", [
    ("scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "E203"),
    ("latin1.txt", b"caf\xe9 au lait", "E204"),
    ("empty.txt", b"", "E202"),
    ("image.png", b"\x89PNG", "E203"),
    ("huge.txt", b"x" * 5000, "E205"),
])
def test_io_readers_folder_bad_file_is_error_row(tmp_path, name, content, code):
    (tmp_path / "ok.txt").write_text("pain note")
    (tmp_path / name).write_bytes(content)
    items = list(read_notes(tmp_path, max_note_bytes=4096))
    errors = [i for i in items if not isinstance(i, Note)]
    assert [e["error"][:4] for e in errors] == [code]
    assert errors[0]["source"] == name
    assert sum(isinstance(i, Note) for i in items) == 1


def test_io_readers_fifty_megabyte_file_in_folder(tmp_path):
    (tmp_path / "ok.txt").write_text("pain note")
    with open(tmp_path / "huge.txt", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert sorted(codes(read_notes(tmp_path)), key=str) == ["E205", None]


@pytest.mark.parametrize("text, expected", [("2MB", 2 * 1024**2), ("500k", 500 * 1024), ("1234", 1234), ("1.5MiB", int(1.5 * 1024**2))])
def test_io_readers_parse_size(text, expected):
    assert parse_size(text) == expected
