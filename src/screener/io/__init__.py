"""Chart extracts in, screening results out (contract.md, "Input" and "Output").

- ``read_notes(path)``: a streaming reader for ``.jsonl``, ``.csv``, ``.parquet`` and
  folders of ``.txt`` (with an optional ``manifest.csv``); yields ``InputNote`` records
  (``screener.model.Note`` plus ``source`` and ``warnings``) or error rows.
- ``flatten_record(record)``: one flat row per case x payer (csv / parquet / Spark).
- ``write_records(records, path)``: atomic writers for ``.jsonl`` / ``.csv`` / ``.parquet``.
- ``sample_notes_dir()`` / ``sample_extract()``: the bundled sample chart extract.
"""
from __future__ import annotations

from .errors import error_row
from .flatten import FLAT_COLUMNS, flatten_record, json_default, record_json
from .readers import (
    DEFAULT_MAX_NOTE_BYTES,
    InputNote,
    NoteErrorRow,
    input_format,
    parse_size,
    read_notes,
)
from .writers import atomic_path, output_format, read_records, write_records

__all__ = [
    "DEFAULT_MAX_NOTE_BYTES",
    "FLAT_COLUMNS",
    "InputNote",
    "NoteErrorRow",
    "atomic_path",
    "error_row",
    "flatten_record",
    "input_format",
    "json_default",
    "output_format",
    "parse_size",
    "read_notes",
    "read_records",
    "record_json",
    "write_records",
]
