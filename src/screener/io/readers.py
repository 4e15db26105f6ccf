"""Streaming readers for chart extracts (contract.md, "Input").

``read_notes(path)`` yields one item per input record, in input order: an ``InputNote``
(a ``screener.model.Note`` that also carries where it came from and any warnings) or an
error row (``screener.io.errors.error_row``) for a record that cannot be read. It never
loads a whole file: ``.jsonl`` is read line by line, ``.csv`` record by record with the
``csv`` module, ``.parquet`` batch by batch with pyarrow, a folder file by file. FHIR input
(a Bundle ``.json``, which is parsed whole, or ``.ndjson`` of resources) is read by
``screener.fhir.documents``: one DocumentReference is one note.

Decisions (docs/bulk.md, "Input"):

- ``patient_id``, ``note_id``, ``text`` are required. ids are stripped strings; an
  integer id is accepted and read as its decimal string.
- A note is an error row when its id is missing (E201), its text is empty or whitespace
  (E202), not text (E203: not a string, binary content, a file that is not ``.txt``),
  not UTF-8 (E204), over ``max_note_bytes`` UTF-8 bytes (E205), or its ``note_id`` was
  already seen (E206, the first one wins). A record that cannot be parsed (a JSON line
  that is not an object, a CSV record with a broken quote or the wrong number of fields)
  is E207; CSV parsing resumes at the next physical line, so one broken quote costs one
  row, never the rest of the file.
- A date that is not ISO (``YYYY-MM-DD``, optionally with a time) does not drop the note:
  the date is read as null and the note carries a ``W201`` warning, which the case record
  reports under ``warnings``. An unknown ``request_type`` is ignored with ``W202``.
- Control characters (other than tab, newline, carriage return, form feed, vertical tab)
  are replaced by spaces, so character offsets into ``text`` stay valid (``W203``); a
  text where they are more than 10% of the characters is binary (E203).
- The input as a whole (missing path, unknown extension, missing required columns, a
  zero-byte file, an empty folder, an unreadable parquet file) raises
  ``screener.errors.InputError``.
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Union

from ..errors import InputError
from ..model import REQUEST_TYPES, Note
from .errors import (
    E_DUPLICATE,
    E_EMPTY_TEXT,
    E_MALFORMED,
    E_MISSING_ID,
    E_NOT_TEXT,
    E_TOO_LARGE,
    E_UNDECODABLE,
    E_UNREADABLE,
    W_BAD_DATE,
    W_BAD_REQUEST_TYPE,
    W_CONTROL_CHARS,
    error_row,
)

DEFAULT_MAX_NOTE_BYTES = 2 * 1024 * 1024
REQUIRED_FIELDS = ("patient_id", "note_id", "text")
OPTIONAL_FIELDS = ("note_date", "request_type", "service_date")
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".json": "fhir"}
MANIFEST = "manifest.csv"
_SLACK = 64 * 1024  # room for the other fields of a record around its text
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

NoteErrorRow = dict
ReadItem = Union["InputNote", NoteErrorRow]


@dataclass(frozen=True)
class InputNote(Note):
    """A ``Note`` as read from an input: ``source`` locates it (``line 12``, ``row 3``,
    ``N1.txt``); ``warnings`` are coded one-liners (``W2xx``) for the case record."""

    source: str | None = None
    warnings: tuple[str, ...] = ()


def parse_size(value: str | int) -> int:
    """``2MB``, ``500k``, ``1.5MiB`` or a plain number of bytes -> bytes."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)(i?b)?\s*", str(value), re.IGNORECASE)
    if not match:
        raise ValueError(f"not a size: {value!r} (use e.g. 2000000, 500k, 2MB)")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])


def input_format(path: Path | str) -> str:
    """``jsonl`` | ``csv`` | ``parquet`` | ``fhir`` (a Bundle) | ``folder``; InputError when none applies."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        return "folder"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown input format {path.suffix or '(no extension)'!r}; use .jsonl, .csv, .parquet, a FHIR Bundle .json / .ndjson or a folder of .txt")
    return fmt


def read_notes(
    path: Path | str,
    *,
    max_note_bytes: int = DEFAULT_MAX_NOTE_BYTES,
    dedupe: bool = True,
) -> Iterator[ReadItem]:
    """Every record of ``path`` as an ``InputNote`` or an error row, in input order.

    The input as a whole is checked when this is called (``InputError``), before any
    item is read. ``dedupe`` keeps a set of note ids in memory to turn
    repeated ids into E206 rows; the bulk runner passes ``False`` and deduplicates in its
    on-disk spill instead.
    """
    path = Path(path)
    fmt = input_format(path)
    from ..fhir.documents import is_fhir_ndjson, read_bundle

    if fmt == "jsonl" and is_fhir_ndjson(path):
        fmt = "fhir-ndjson"
    reader = {"jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet, "folder": _read_folder,
              "fhir": read_bundle, "fhir-ndjson": _read_fhir_ndjson}[fmt]
    items = reader(path, max_note_bytes)
    if not dedupe:
        return items
    return _dedupe(items)


def _dedupe(items: Iterator[ReadItem]) -> Iterator[ReadItem]:
    seen: dict[str, str | None] = {}
    for item in items:
        if isinstance(item, Note):
            first = seen.get(item.note_id, False)
            if first is not False:
                yield duplicate_row(item, first)
                continue
            seen[item.note_id] = getattr(item, "source", None)
        yield item


def duplicate_row(note: Note, first_source: str | None) -> dict[str, Any]:
    where = f" (first at {first_source})" if first_source else ""
    return error_row(
        E_DUPLICATE,
        f"duplicate note_id{where}; this copy is not screened",
        patient_id=note.patient_id,
        note_id=note.note_id,
        source=getattr(note, "source", None),
    )


# --------------------------------------------------------------------------- one record


def _id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> tuple[_dt.date | None, bool]:
    """(date, ok): ok is False when a value was given but is not an ISO date."""
    if value is None:
        return None, True
    if isinstance(value, _dt.datetime):
        return value.date(), True
    if isinstance(value, _dt.date):
        return value, True
    if isinstance(value, float) and math.isnan(value):
        return None, True
    if not isinstance(value, str):
        return None, False
    text = value.strip()
    if not text:
        return None, True
    try:
        if len(text) == 10:
            return _dt.date.fromisoformat(text), True
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date(), True
    except ValueError:
        return None, False


def build_note(fields: Mapping[str, Any], source: str | None, max_note_bytes: int) -> ReadItem:
    """One raw record (field -> value) -> ``InputNote`` or error row. Never raises."""
    pid, nid = _id(fields.get("patient_id")), _id(fields.get("note_id"))
    raw_pid, raw_nid = fields.get("patient_id"), fields.get("note_id")

    def err(code: str, reason: str) -> dict[str, Any]:
        return error_row(code, reason, patient_id=pid or raw_pid, note_id=nid or raw_nid, source=source)

    if pid is None or nid is None:
        missing = " and ".join(k for k, v in (("patient_id", pid), ("note_id", nid)) if v is None)
        return err(E_MISSING_ID, f"{missing} missing or empty")
    text = fields.get("text")
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > max_note_bytes:
            return err(E_TOO_LARGE, f"note is {len(raw)} bytes, over the limit of {max_note_bytes}")
        if b"\x00" in raw:
            return err(E_NOT_TEXT, "text is binary (NUL bytes)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return err(E_UNDECODABLE, f"text is not UTF-8 (bad byte at offset {exc.start})")
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return err(E_EMPTY_TEXT, "text missing")
    if not isinstance(text, str):
        return err(E_NOT_TEXT, f"text is a {type(text).__name__}, not a string")
    if len(text) > max_note_bytes:
        return err(E_TOO_LARGE, f"note is over {max_note_bytes} bytes ({len(text)} characters)")
    if text.isascii():
        size = len(text)
    else:
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as exc:
            return err(E_UNDECODABLE, f"text is not valid UTF-8 (at character {exc.start})")
    if size > max_note_bytes:
        return err(E_TOO_LARGE, f"note is {size} bytes, over the limit of {max_note_bytes}")
    if not text.strip():
        return err(E_EMPTY_TEXT, "text is empty or whitespace only")
    warnings: list[str] = []
    if _CONTROL.search(text):
        count = len(_CONTROL.findall(text))
        if count * 10 > len(text):
            return err(E_NOT_TEXT, f"text is binary ({count} control characters)")
        text = _CONTROL.sub(" ", text)
        warnings.append(f"{W_CONTROL_CHARS} note {nid}: {count} control characters replaced by spaces")
        if not text.strip():
            return err(E_EMPTY_TEXT, "text is empty or whitespace only")
    dates = {}
    for key in ("note_date", "service_date"):
        value, ok = _date(fields.get(key))
        if not ok:
            warnings.append(f"{W_BAD_DATE} note {nid}: {key} is not an ISO date (YYYY-MM-DD); read as undated")
        dates[key] = value
    request_type = fields.get("request_type")
    if isinstance(request_type, float) and math.isnan(request_type):
        request_type = None
    if request_type is not None:
        request_type = str(request_type).strip().lower() or None
        if request_type is not None and request_type not in REQUEST_TYPES:
            warnings.append(f"{W_BAD_REQUEST_TYPE} note {nid}: request_type is not one of {', '.join(REQUEST_TYPES)}; ignored")
            request_type = None
    return InputNote(
        patient_id=pid,
        note_id=nid,
        text=text,
        note_date=dates["note_date"],
        request_type=request_type,
        service_date=dates["service_date"],
        source=source,
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- jsonl

_ID_RE = {
    key: re.compile(rb'"' + key.encode() + rb'"\s*:\s*(?:"((?:[^"\\]|\\.){1,200})"|(-?[0-9]{1,30}))')
    for key in ("patient_id", "note_id")
}


def _ids_from_bytes(data: bytes) -> dict[str, str | None]:
    """Best-effort ids from a JSON line that cannot be parsed or is too large to parse."""
    out: dict[str, str | None] = {}
    for key, pattern in _ID_RE.items():
        match = pattern.search(data)
        value = None
        if match:
            raw = match.group(1) if match.group(1) is not None else match.group(2)
            try:
                value = json.loads(b'"' + raw + b'"') if match.group(1) is not None else raw.decode()
            except ValueError:
                value = raw.decode("utf-8", "replace")
        out[key] = value
    return out


def _read_jsonl(path: Path, max_note_bytes: int) -> Iterator[ReadItem]:
    # JSON escapes can make a text up to 6x longer than its UTF-8 bytes (\uXXXX).
    limit = 6 * max_note_bytes + _SLACK
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({type(exc).__name__})") from None
    if _is_blank_file(handle):
        handle.close()
        raise InputError(f"{path}: input is empty (no notes)")
    return _closing(handle, _jsonl_records(handle, limit, max_note_bytes))


def _closing(handle: BinaryIO, items: Iterator[ReadItem]) -> Iterator[ReadItem]:
    with handle:
        yield from items


def _is_blank_file(handle: BinaryIO) -> bool:
    head = handle.read(4096)
    handle.seek(0)
    if head.strip(b" \t\r\n\xef\xbb\xbf"):
        return False
    if len(head) < 4096:
        return True
    while True:  # a long run of whitespace: keep looking without loading it
        chunk = handle.read(1 << 20)
        if not chunk:
            handle.seek(0)
            return True
        if chunk.strip():
            handle.seek(0)
            return False


def _jsonl_records(handle: BinaryIO, limit: int, max_note_bytes: int) -> Iterator[ReadItem]:
    lineno = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        lineno += 1
        source = f"line {lineno}"
        if len(line) > limit and not line.endswith(b"\n"):
            head, tail = line[:_SLACK], b""
            while True:  # skip the rest of this physical line in bounded chunks
                chunk = handle.readline(1 << 20)
                if not chunk:
                    break
                tail = (tail + chunk)[-_SLACK:]
                if chunk.endswith(b"\n"):
                    break
            ids = _ids_from_bytes(head + b"\n" + tail)
            yield error_row(E_TOO_LARGE, f"record at {source} is over the limit of {max_note_bytes} bytes",
                            source=source, **ids)
            continue
        item = parse_jsonl_line(line, lineno, max_note_bytes)
        if item is not None:
            yield item


def parse_jsonl_line(line: bytes, lineno: int, max_note_bytes: int):
    """One physical jsonl line (1-based ``lineno``) -> a ``Note``, an error row, or None for a
    blank line or a FHIR resource that is not a DocumentReference. Shared by this reader and ``screener.spark`` so both give the same reasons."""
    source = f"line {lineno}"
    if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    if not line.strip():
        return None
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        decoded = line.decode("utf-8", "surrogateescape")  # build_note reports E204
    try:
        record = json.loads(decoded)
    except ValueError:
        return error_row(E_MALFORMED, f"{source} is not valid JSON", source=source, **_ids_from_bytes(line))
    if not isinstance(record, dict):
        return error_row(E_MALFORMED, f"{source} is a JSON {type(record).__name__}, not an object", source=source)
    if "resourceType" in record:  # a FHIR resource, unless a contract note (docs/fhir.md)
        from ..fhir.documents import NOTE_RESOURCE, document_note, is_fhir_resource

        if is_fhir_resource(record):  # Patient, Binary, ...: not a note
            return document_note(record, source, max_note_bytes) if record["resourceType"] == NOTE_RESOURCE else None
    return build_note(record, source, max_note_bytes)


def _read_fhir_ndjson(path: Path, max_note_bytes: int) -> Iterator[ReadItem]:
    from ..fhir.documents import read_ndjson

    return read_ndjson(path, max_note_bytes, 6 * max_note_bytes + _SLACK)


# --------------------------------------------------------------------------- csv


class _RecordTooLong(Exception):
    pass


class _LineSource:
    """Physical lines of a binary file for ``csv.reader``, with their byte offsets, so a
    broken record can be skipped by seeking to the line after it."""

    def __init__(self, handle: BinaryIO, offset: int, lineno: int, limit: int):
        self.handle = handle
        handle.seek(offset)
        self.offset = offset
        self.lineno = lineno  # physical lines consumed so far
        self.limit = limit
        self.record_start = offset

    def __iter__(self) -> Iterator[str]:
        while True:
            line = self.handle.readline(self.limit + 2)
            if not line:
                return
            self.offset += len(line)
            self.lineno += 1
            if self.offset - self.record_start > self.limit:
                raise _RecordTooLong
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                yield line.decode("utf-8", "surrogateescape")


def _read_csv(path: Path, max_note_bytes: int) -> Iterator[ReadItem]:
    limit = 2 * max_note_bytes + _SLACK  # quotes inside a quoted field are doubled
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({type(exc).__name__})") from None
    try:
        if _is_blank_file(handle):
            raise InputError(f"{path}: input is empty (no header, no notes)")
        header_line = handle.readline(_SLACK)
        try:
            header = next(csv.reader([header_line.decode("utf-8-sig")]))
        except (UnicodeDecodeError, csv.Error, StopIteration):
            raise InputError(f"{path}: the header line cannot be read as UTF-8 CSV") from None
        columns = _columns(header, path)
    except InputError:
        handle.close()
        raise
    return _closing(handle, _csv_records(handle, handle.tell(), columns, len(header), limit, max_note_bytes))


def _columns(header: list[str], path: Path) -> dict[str, int]:
    """Field -> position of its column (first match, case-insensitive); E300 when a
    required field has no column. Shared by the csv and parquet readers."""
    index = {}
    for i, name in enumerate(header):
        key = name.strip().lower()
        if key in FIELDS and key not in index:
            index[key] = i
    missing = [k for k in REQUIRED_FIELDS if k not in index]
    if missing:
        raise InputError(f"{path}: missing required column(s) {', '.join(missing)}")
    return index


def _csv_ids(handle: BinaryIO, offset: int, columns: dict[str, int]) -> dict[str, Any]:
    """Best-effort ids from the first physical line of a broken record."""
    handle.seek(offset)
    first = handle.readline(_SLACK).decode("utf-8", "replace")
    try:
        fields = next(csv.reader([first]), [])
    except csv.Error:
        fields = first.split(",")
    return {k: fields[columns[k]] if columns[k] < len(fields) else None for k in ("patient_id", "note_id")}


def _next_line_offset(handle: BinaryIO, offset: int) -> int:
    handle.seek(offset)
    while True:
        chunk = handle.readline(1 << 20)
        if not chunk or chunk.endswith(b"\n"):
            return handle.tell()


def _csv_records(handle, offset, columns, width, limit, max_note_bytes) -> Iterator[ReadItem]:
    lineno = 1
    while True:
        source = _LineSource(handle, offset, lineno, limit)
        reader = csv.reader(source, strict=True)
        start_line = lineno + 1
        try:
            while True:
                source.record_start = source.offset
                start_line = source.lineno + 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                where = f"line {start_line}"
                if len(row) != width:
                    ids = {k: row[i] if i < len(row) else None for k, i in columns.items() if k in ("patient_id", "note_id")}
                    yield error_row(E_MALFORMED, f"CSV record at {where} has {len(row)} fields, the header has {width}",
                                    source=where, **ids)
                    continue
                yield build_note({k: row[i] for k, i in columns.items()}, where, max_note_bytes)
        except csv.Error as exc:
            where = f"line {start_line}"
            reason = str(exc).split("\n")[0][:80]
            ids = _csv_ids(handle, source.record_start, columns)
            yield error_row(E_MALFORMED, f"malformed CSV record at {where} ({reason}); reading resumed at the next line",
                            source=where, **ids)
            offset, lineno = _next_line_offset(handle, source.record_start), start_line
        except _RecordTooLong:
            where = f"line {start_line}"
            ids = _csv_ids(handle, source.record_start, columns)
            end, end_line = _skip_quoted_record(handle, source.record_start, start_line - 1)
            if end is not None:
                yield error_row(E_TOO_LARGE, f"CSV record at lines {start_line}-{end_line} is over the limit of {max_note_bytes} bytes",
                                source=where, **ids)
                offset, lineno = end, end_line
            else:
                yield error_row(E_MALFORMED, f"unbalanced quote in the CSV record at {where}; reading resumed at the next line",
                                source=where, **ids)
                offset, lineno = _next_line_offset(handle, source.record_start), start_line


def _skip_quoted_record(handle: BinaryIO, offset: int, lineno: int) -> tuple[int | None, int]:
    """Skip a record whose quotes balance only far away: (offset after it, its last line),
    or (None, _) when they never balance before the end of the file."""
    handle.seek(offset)
    parity = 0
    while True:
        chunk = handle.readline(1 << 20)
        if not chunk:
            return None, lineno
        parity ^= chunk.count(b'"') & 1
        if chunk.endswith(b"\n"):
            lineno += 1
            if parity == 0:
                return handle.tell(), lineno


# --------------------------------------------------------------------------- parquet


def _read_parquet(path: Path, max_note_bytes: int) -> Iterator[ReadItem]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not parquet
        raise InputError(f"{path}: not a readable parquet file ({type(exc).__name__})") from None
    columns = parquet.schema_arrow.names
    names = {key: columns[i] for key, i in _columns(columns, path).items()}
    return _parquet_rows(parquet, names, max_note_bytes)


def _parquet_rows(parquet, names: dict[str, str], max_note_bytes: int) -> Iterator[ReadItem]:
    row = 0
    wanted = list(names.values())
    for batch in parquet.iter_batches(batch_size=512, columns=wanted):
        values = {key: batch.column(wanted.index(col)).to_pylist() for key, col in names.items()}
        for i in range(batch.num_rows):
            row += 1
            yield build_note({k: v[i] for k, v in values.items()}, f"row {row}", max_note_bytes)


# --------------------------------------------------------------------------- folder


def _read_folder(path: Path, max_note_bytes: int) -> Iterator[ReadItem]:
    try:
        names = sorted(e.name for e in os.scandir(path) if not e.name.startswith(".") and not e.is_dir())
    except OSError as exc:
        raise InputError(f"{path}: cannot list the folder ({type(exc).__name__})") from None
    manifest = _read_manifest(path / MANIFEST) if MANIFEST in names else {}
    names = [n for n in names if n != MANIFEST]
    if not names and not manifest:
        raise InputError(f"{path}: the folder holds no note files")
    return _folder_notes(path, names, manifest, max_note_bytes)


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """``file`` -> its row. Columns: ``file`` (required) and any of patient_id, note_id,
    note_date, request_type, service_date."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            fields = {(f or "").strip().lower(): f for f in reader.fieldnames or ()}
            if "file" not in fields:
                raise InputError(f"{path}: manifest needs a 'file' column")
            out = {}
            for row in reader:
                entry = {k: (row.get(orig) or "").strip() for k, orig in fields.items() if k in FIELDS or k == "file"}
                name = entry.pop("file", "")
                if name:
                    out[name] = entry
            return out
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the manifest ({type(exc).__name__})") from None


def _folder_notes(path: Path, names: list[str], manifest: dict[str, dict[str, str]], max_note_bytes: int) -> Iterator[ReadItem]:
    listed = set(names)
    for name in names:
        yield _folder_note(path, name, manifest.get(name), max_note_bytes)
    for name, entry in manifest.items():
        if name not in listed:
            yield error_row(E_UNREADABLE, f"{MANIFEST} lists {name}, which is not in the folder",
                            patient_id=entry.get("patient_id"), note_id=entry.get("note_id") or Path(name).stem,
                            source=name)


def _folder_note(folder: Path, name: str, entry: dict[str, str] | None, max_note_bytes: int) -> ReadItem:
    stem = Path(name).stem
    fields: dict[str, Any] = {"patient_id": stem, "note_id": stem}
    if entry:
        fields.update({k: v for k, v in entry.items() if v != ""})
    ids = {"patient_id": fields["patient_id"], "note_id": fields["note_id"]}
    if not name.lower().endswith(".txt"):
        return error_row(E_NOT_TEXT, "not a .txt note file", source=name, **ids)
    file = folder / name
    try:
        size = file.stat().st_size
        if size > max_note_bytes:
            return error_row(E_TOO_LARGE, f"note is {size} bytes, over the limit of {max_note_bytes}", source=name, **ids)
        data = file.read_bytes()
    except OSError as exc:
        return error_row(E_UNREADABLE, f"cannot read the file ({type(exc).__name__})", source=name, **ids)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        return error_row(E_NOT_TEXT, "file is binary (NUL bytes)", source=name, **ids)
    try:
        fields["text"] = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return error_row(E_UNDECODABLE, f"file is not UTF-8 (bad byte at offset {exc.start})", source=name, **ids)
    return build_note(fields, name, max_note_bytes)
