"""Atomic writers for screening results (contract.md, "Output").

Every output is written to a temporary file beside the target and moved into place with
``os.replace`` only when complete, so an interrupted run never leaves a half-written
output: the target is either the previous file or the complete new one.

Formats: ``.jsonl`` (one record per line, as produced), ``.csv`` and ``.parquet`` (rows of
``flatten_record``: one per case x payer; csv every column a string, parquet typed:
``typed_rows``, lists as lists, criteria and evidence as structs), ``fhir`` (``.ndjson``: one
FHIR Bundle per record, ``screener.fhir.responses``; chosen with ``--format fhir``).
"""
from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError
from .flatten import FLAT_COLUMNS, arrow_schema, flatten_record, record_json, typed_rows

OUTPUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def output_format(path: Path | str, requested: str | None = None) -> str:
    """The output format: ``requested`` (``--format``) checked against the suffix, else the suffix's."""
    fmt = OUTPUT_FORMATS.get(Path(path).suffix.lower())
    if requested == "fhir":
        if fmt != "jsonl":
            raise InputError(f"{path}: --format fhir writes one Bundle per line; name the output .ndjson")
        return "fhir"
    if fmt is None:
        raise InputError(f"{path}: unknown output format; use .jsonl, .csv or .parquet")
    if requested is not None and requested != fmt:
        raise InputError(f"{path}: --format {requested} does not match the suffix {Path(path).suffix}")
    return fmt


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mode_for(path: Path) -> int:
    """The target's mode if it exists, else what ``open()`` would give (0666 & ~umask);
    mkstemp alone would make every output 0600."""
    with contextlib.suppress(OSError):
        return path.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on normal exit it replaces ``path``
    (after fsync), on an exception it is removed and ``path`` is left untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, _mode_for(path))
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_text_or_print(text: str, path: Path | str | None, what: str) -> None:
    """A command's document: to standard output without ``path``, else written atomically to
    ``path`` with one line saying what was written."""
    if path is None:
        print(text, end="")
        return
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    print(f"{path}: {what}")


def iter_jsonl_lines(path: Path | str) -> Iterator[str]:
    """Complete lines of a JSON-lines file (a trailing partial line is ignored)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.endswith("\n") and line.strip():
                yield line


def write_lines(lines: Iterable[str], path: Path | str, fmt: str | None = None) -> int:
    """Write JSON-lines strings (one record each) to ``path`` in its format, atomically.
    Returns the number of records written."""
    fmt = fmt or output_format(path)
    count = 0
    with atomic_path(path) as tmp:
        if fmt == "jsonl":
            with open(tmp, "w", encoding="utf-8") as handle:
                for line in lines:
                    handle.write(line if line.endswith("\n") else line + "\n")
                    count += 1
        elif fmt == "csv":
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=FLAT_COLUMNS)
                writer.writeheader()
                for line in lines:
                    writer.writerows(flatten_record(json.loads(line)))
                    count += 1
        elif fmt == "parquet":
            count = _write_parquet(lines, tmp)
        elif fmt == "fhir":
            from ..fhir.responses import record_bundle
            from .shapes import expand

            with open(tmp, "w", encoding="utf-8") as handle:
                for line in lines:
                    handle.write(json.dumps(record_bundle(expand(json.loads(line))), ensure_ascii=False) + "\n")
                    count += 1
        else:  # pragma: no cover - output_format guards this
            raise InputError(f"unknown output format {fmt!r}")
    return count


def write_records(records: Iterable[Mapping[str, Any]], path: Path | str) -> int:
    """Write case records / error rows to ``path`` (.jsonl, .csv or .parquet), atomically."""
    return write_lines((record_json(r) + "\n" for r in records), path)


def _write_parquet(lines: Iterable[str], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema()
    count = 0
    batch: list[dict[str, Any]] = []
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for line in lines:
            batch.extend(typed_rows(json.loads(line)))
            count += 1
            if len(batch) >= 2000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return count


def read_records(path: Path | str, *, as_written: bool = False) -> list[dict[str, Any]]:
    """Records of a ``.jsonl`` output (for tests, reports and the demo), expanded to the
    in-memory shape (``screener.io.shapes.expand``; ``as_written=True``: as in the file).
    A record of an unknown schema version raises ``InputError`` naming it."""
    from .shapes import expand

    records = [json.loads(line) for line in iter_jsonl_lines(path)]
    return records if as_written else [expand(r) for r in records]


class CheckpointWriter:
    """Appends JSON lines to the run's partial file (``OUTPUT.partial.jsonl``), flushing
    after every batch and fsyncing at most every ``sync_every`` seconds, so a killed run
    loses at most the records of its last moments, and never a record half-way."""

    def __init__(self, path: Path, sync_every: float = 2.0):
        self.path = path
        self.handle: TextIO = open(path, "a", encoding="utf-8")
        self.sync_every = sync_every
        self._last_sync = time.monotonic()

    def write(self, lines: Iterable[str]) -> None:
        self.handle.write("".join(lines))
        self.handle.flush()
        now = time.monotonic()
        if now - self._last_sync >= self.sync_every:
            os.fsync(self.handle.fileno())
            self._last_sync = now

    def close(self) -> None:
        if not self.handle.closed:
            self.handle.flush()
            with contextlib.suppress(OSError):
                os.fsync(self.handle.fileno())
            self.handle.close()


def truncate_partial_line(path: Path) -> None:
    """Cut a trailing half-written line off a partial file (left by a kill mid-write)."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as handle:
        pos = size
        block = 1 << 16
        while pos > 0:
            start = max(0, pos - block)
            handle.seek(start)
            chunk = handle.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                cut = start + idx + 1
                if cut != size:
                    handle.truncate(cut)
                return
            pos = start
        handle.truncate(0)
