"""Screening on Apache Spark: the same case records as ``screener screen``, on a cluster.

Implements issue 7 ("Scale-out on Apache Spark") against the outside contract
(``contract.md``, "Input" and "Output"):

- :func:`screen_dataframe` takes a DataFrame of notes (``patient_id``, ``note_id``,
  ``text`` and optionally ``note_date``, ``request_type``, ``service_date``) and returns
  one row per case and payer: the typed columns of ``screener.io.flatten.typed_rows``
  (lists as arrays, each payer's ``criteria`` and ``evidence`` as arrays of structs; the
  schema of ``screener screen``'s parquet), whose last, ``record_json``, is the case
  record exactly as ``screener screen`` writes it to jsonl.
- :func:`screen_records` returns one row per record instead (``patient_id``,
  ``note_id``, ``status``, ``record_json``).
- :func:`read_notes` / :func:`write_results` are what ``screener spark-screen`` uses.

How it runs. Every input row is first *staged*: checked by the bulk reader's own
``screener.io.readers.build_note`` (same E2xx reasons, same W2xx warnings) into plain
columns, or kept as an error record. Repeated note ids become E206 rows (the first
occurrence in input order wins, as in the bulk runner). Notes are then grouped into cases
by ``patient_id`` with ``groupBy().applyInPandas()``; each case is screened inside a
Python worker by the bulk runner's own per-case step (``screener.bulk.screen_case_lines``
around ``screener.pipeline.screen_case``, with the same per-case time limit), so records
match line for line. The pipeline is built once per
worker process by :func:`worker_screener` (an ``lru_cache`` in this importable module;
Spark reuses Python workers across tasks), never per task or per row. A note that
cannot be read is an error record and the run goes on: every input row is accounted for.

pyspark is an optional dependency (``pip install 'screener[spark]'``); it is imported
inside the functions of this module only, so ``import screener`` never needs it.
"""
from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import InputError, ScreenerError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

log = logging.getLogger(__name__)

NOTE_COLUMNS = ("patient_id", "note_id", "text", "note_date", "request_type", "service_date")
REQUIRED_COLUMNS = ("patient_id", "note_id", "text")

#: ``module:function`` of the screen function the workers call (screen_case's signature).
DEFAULT_SCREENER = "screener.pipeline:screen_case"

#: Columns of :func:`screen_records`: one row per case record or error record.
RECORD_SCHEMA = "patient_id string, note_id string, status string, record_json string"

# Staged notes: the note columns as checked strings, plus where each row came from.
_SOURCE = "_screener_source"  # "line 12" / "row 3" (CLI input), None for a DataFrame
_WARNINGS = "_screener_warnings"  # W2xx one-liners from the reader, as a JSON list
_ERROR = "_screener_error"  # the error record (JSON) of a row that cannot be read
_ORD = "_screener_ord"  # input position: notes keep input order, the first id wins
_DUP = "_screener_dup"  # source of the first note with this id, set on later copies
_STAGED_SCHEMA = (
    "patient_id string, note_id string, text string, note_date string, request_type string, "
    f"service_date string, {_SOURCE} string, {_WARNINGS} string, {_ERROR} string, "
    f"{_ORD} long"
)


class SparkUnavailableError(ScreenerError):
    """pyspark or a Java runtime is missing (``pip install 'screener[spark]'``; Java 17 or 21)."""

    code = "E310"


# --------------------------------------------------------------------------------------
# Sessions


def _require_pyspark() -> None:
    try:
        import pyspark.sql  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the install
        raise SparkUnavailableError(
            "pyspark is not installed: pip install 'screener[spark]' (Spark 4 needs Java 17 or 21)"
        ) from None


def use_this_python() -> None:
    """Make Spark's Python workers run this interpreter (and so import this ``screener``).

    Sets ``PYSPARK_PYTHON`` / ``PYSPARK_DRIVER_PYTHON`` to ``sys.executable`` unless they
    are set already: in local mode a bare ``python3`` on PATH would not see a virtual
    environment's install of screener.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)


def local_session(
    master: str = "local[*]",
    *,
    app_name: str = "screener",
    driver_memory: str | None = None,
    shuffle_partitions: int | None = None,
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """A SparkSession for running the screener without a cluster of one's own.

    UI and console progress bar off, Python workers reused, this interpreter for the
    workers. On Databricks or another cluster, use the session the platform gives and
    call :func:`screen_dataframe` on it instead.
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    use_this_python()
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.python.worker.reuse", "true")
    )
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    if shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java, or the JVM failed to start: say so in one line
        raise SparkUnavailableError(
            f"could not start Spark ({type(exc).__name__}); Spark 4 needs Java 17 or 21 "
            "on PATH or in JAVA_HOME"
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# --------------------------------------------------------------------------------------
# Staging: each input row checked by the bulk reader's rules, into plain columns


def _stage(fields: Mapping[str, Any], source: str | None, ordinal: int, max_note_bytes: int) -> tuple:
    """One raw record -> a staged row (``_STAGED_SCHEMA``): a checked note, or its error record."""
    from .io.readers import build_note

    return _staged_row(build_note(fields, source, max_note_bytes), ordinal)


def _staged_row(item: Any, ordinal: int) -> tuple:
    from .io import record_json
    from .model import Note

    if isinstance(item, Note):
        warnings = getattr(item, "warnings", ())
        return (
            item.patient_id, item.note_id, item.text,
            item.note_date.isoformat() if item.note_date else None,
            item.request_type,
            item.service_date.isoformat() if item.service_date else None,
            getattr(item, "source", None), json.dumps(list(warnings)) if warnings else None, None, ordinal,
        )
    return (
        item.get("patient_id"), item.get("note_id"), None, None, None, None,
        item.get("source"), None, record_json(item), ordinal,
    )


def _stage_jsonl_line(pair: tuple[bytes, int], *, max_note_bytes: int) -> tuple | None:
    """One physical line of a jsonl file (from ``textFile(use_unicode=False).zipWithIndex()``),
    read as ``screener.io.readers`` reads it: same E205/E207 reasons, same ``line N`` source."""
    from .io.errors import E_TOO_LARGE, error_row
    from .io.readers import _SLACK, _ids_from_bytes, parse_jsonl_line

    line, index = pair
    lineno = index + 1
    if len(line) > 6 * max_note_bytes + _SLACK:  # JSON escapes: up to 6 bytes per byte of text
        source = f"line {lineno}"
        ids = _ids_from_bytes(line[:_SLACK] + b"\n" + line[-_SLACK:])
        item = error_row(E_TOO_LARGE, f"record at {source} is over the limit of {max_note_bytes} bytes",
                         source=source, **ids)
        return _staged_row(item, index)
    item = parse_jsonl_line(line, lineno, max_note_bytes)
    return None if item is None else _staged_row(item, index)


def _stage_parquet_row(pair: tuple[Any, int], *, names: Mapping[str, str], max_note_bytes: int) -> tuple:
    row, index = pair
    fields = {key: row[col] for key, col in names.items()}
    return _stage(fields, f"row {index + 1}", index, max_note_bytes)


def _stage_batches(batches: Iterator[pd.DataFrame], *, max_note_bytes: int) -> Iterator[pd.DataFrame]:
    """mapInPandas function: a DataFrame's note rows -> staged rows (no ``source``)."""
    import pandas as pd

    names = [f.split()[0] for f in _STAGED_SCHEMA.split(", ")]
    for batch in batches:
        ordinals = batch.pop(_ORD).tolist()
        rows = [
            _stage(fields, None, ordinal, max_note_bytes)  # build_note reads NaN as missing
            for fields, ordinal in zip(batch.to_dict("records"), ordinals)
        ]
        yield pd.DataFrame.from_records(rows, columns=names)


def _stage_dataframe(df: DataFrame, max_note_bytes: int) -> DataFrame:
    """A user's DataFrame of notes -> staged rows; InputError when a required column is missing."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, IntegralType, TimestampType

    if _ERROR in df.columns:  # staged already (read_notes)
        return df
    names = _contract_names(df.columns)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise InputError(
            f"the notes have no {', '.join(missing)} column; required: {', '.join(REQUIRED_COLUMNS)}"
        )
    types = {f.name: f.dataType for f in df.schema.fields}
    cols = []
    for key in NOTE_COLUMNS:
        if key not in names:
            cols.append(F.lit(None).cast("string").alias(key))
            continue
        col, dtype = F.col(f"`{names[key]}`"), types[names[key]]
        if isinstance(dtype, (DateType, TimestampType)):
            col = F.date_format(col, "yyyy-MM-dd")  # build_note reads ISO strings
        elif isinstance(dtype, IntegralType):
            col = col.cast("string")  # exact; pandas would turn a nullable long into float
        cols.append(col.alias(key))
    cols.append(F.monotonically_increasing_id().alias(_ORD))
    fn = functools.partial(_stage_batches, max_note_bytes=max_note_bytes)
    return df.select(*cols).mapInPandas(fn, schema=_STAGED_SCHEMA)


def _contract_names(columns: Sequence[str]) -> dict[str, str]:
    """Contract field -> column name, matched as the bulk reader does (trimmed, any case)."""
    names: dict[str, str] = {}
    for name in columns:
        key = name.strip().lower()
        if key in NOTE_COLUMNS and key not in names:
            names[key] = name
    return names


def _mark_duplicates(staged: DataFrame) -> DataFrame:
    """Later copies of a note id get ``_DUP`` (the first copy's source, or ""), input order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ok = F.col(_ERROR).isNull()
    window = Window.partitionBy("note_id", ok).orderBy(_ORD)
    first = F.coalesce(F.first(_SOURCE).over(window), F.lit(""))
    dup = F.when(ok & (F.row_number().over(window) > 1), first)
    return staged.withColumn(_DUP, dup)


# --------------------------------------------------------------------------------------
# Worker side: the screener built once per Python worker


@functools.lru_cache(maxsize=None)
def worker_screener(spec: str = DEFAULT_SCREENER) -> Callable[..., dict]:
    """The screen function named by ``spec`` (``module:function``), built once per process.

    For the default (``screen_case``) it also builds the process-wide note reader
    (``screener.nlp.reader.default_reader``), so the NLP pipeline is loaded here, once,
    rather than inside the first case. Cached for the life of the Python worker; Spark
    reuses workers across tasks (``spark.python.worker.reuse``, on by default).
    """
    from .cpu_only import keep_gpu_libraries_out

    keep_gpu_libraries_out()
    module_name, _, attr = spec.partition(":")
    screen = getattr(importlib.import_module(module_name), attr or "screen_case")
    if spec == DEFAULT_SCREENER:
        from .nlp.reader import default_reader

        default_reader()
    log.info("screener built in worker pid %d (%s)", os.getpid(), spec)
    return screen


def _screen_case_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    payers: Sequence[str] | None = None,
    service_date: date | None = None,
    screener: str = DEFAULT_SCREENER,
    detail: str = "standard",
) -> list[str]:
    """The JSON records of one case from its staged rows: error records, then the case.

    The case itself goes through the bulk runner's ``screen_case_lines``, so the record
    is built exactly as ``screener screen`` builds it (reader warnings added, a screening
    that raises turned into E209 rows, one per note, one that runs past the default time
    limit into E211 rows).
    """
    from .bulk import DEFAULT_CASE_TIMEOUT, screen_case_lines
    from .io import record_json
    from .io.readers import InputNote, duplicate_row

    lines: list[str] = []
    notes: list[tuple] = []
    for row in sorted(rows, key=lambda r: r[_ORD]):
        if row.get(_ERROR):
            lines.append(row[_ERROR])
            continue
        note = (row["patient_id"], row["note_id"], row["text"], row.get("note_date"),
                row.get("request_type"), row.get("service_date"), row.get(_WARNINGS), row.get(_SOURCE))
        if row.get(_DUP) is not None:
            first = row[_DUP] or "an earlier record"  # as the bulk runner words it
            lines.append(record_json(duplicate_row(InputNote(*note[:6], source=note[7]), first)))
        else:
            notes.append(note)
    if notes:
        screen = worker_screener(screener)
        case = (notes[0][0], notes)
        lines.extend(line.rstrip("\n") for line, _ in screen_case_lines(
            case, screen, list(payers) if payers else None, service_date, DEFAULT_CASE_TIMEOUT, detail))
    return lines


def _group_records(pdf: pd.DataFrame, *, payers, service_date, screener, detail="standard") -> pd.DataFrame:
    """applyInPandas function: one patient's staged notes in, one row per record out."""
    import pandas as pd

    lines = _screen_case_rows(pdf.to_dict("records"), payers=payers, service_date=service_date, screener=screener,
                              detail=detail)
    records = [json.loads(line) for line in lines]
    return pd.DataFrame(
        {
            "patient_id": [r.get("patient_id") for r in records],
            "note_id": [r.get("note_id") for r in records],
            "status": [r.get("status") for r in records],
            "record_json": lines,
        },
        columns=["patient_id", "note_id", "status", "record_json"],
    )


def _group_flat(pdf: pd.DataFrame, *, payers, service_date, screener, detail="standard") -> pd.DataFrame:
    """applyInPandas function: one patient's staged notes in, one row per record x payer out
    (typed: ``screener.io.flatten.typed_rows``)."""
    import pandas as pd

    from .io.flatten import PARQUET_COLUMNS, typed_rows

    lines = _screen_case_rows(pdf.to_dict("records"), payers=payers, service_date=service_date, screener=screener,
                              detail=detail)
    rows = [flat for line in lines for flat in typed_rows(json.loads(line))]
    return pd.DataFrame(rows, columns=list(PARQUET_COLUMNS))


def flat_schema() -> StructType:
    """Spark schema of :func:`screen_dataframe`: ``screener.io.flatten.PARQUET_COLUMNS`` with
    the types of ``screen``'s parquet output (``arrow_schema``), ``record_json`` included."""
    from pyspark.sql.types import (ArrayType, LongType, StringType, StructField, StructType)

    from .io.flatten import LIST_COLUMNS, PARQUET_COLUMNS

    fields = []
    for name in PARQUET_COLUMNS:
        if name in LIST_COLUMNS:
            kind = ArrayType(StringType())
        elif name == "criteria":
            kind = ArrayType(StructType([StructField("id", StringType()), StructField("result", StringType())]))
        elif name == "evidence":
            kind = ArrayType(StructType([StructField(n, LongType() if n in ("start", "end") else StringType())
                                         for n in ("key", "note_id", "start", "end", "text", "section", "rule_id", "bound")]))
        else:
            kind = StringType()
        fields.append(StructField(name, kind))
    return StructType(fields)


# --------------------------------------------------------------------------------------
# Screening DataFrames


def _partitions(spark: SparkSession, num_partitions: int | None) -> int:
    if num_partitions:
        return int(num_partitions)
    try:
        return max(1, spark.sparkContext.defaultParallelism * 4)
    except Exception:  # Spark Connect (e.g. Databricks serverless) has no SparkContext
        return int(spark.conf.get("spark.sql.shuffle.partitions") or 200)


def _screen(df: DataFrame, group_fn, schema, payers, service_date, num_partitions, max_note_bytes, screener,
            detail="standard"):
    """Stage, mark duplicates, group by patient, and screen each case with ``group_fn``."""
    _require_pyspark()
    from .io.readers import DEFAULT_MAX_NOTE_BYTES

    staged = _mark_duplicates(_stage_dataframe(df, max_note_bytes or DEFAULT_MAX_NOTE_BYTES))
    fn = functools.partial(
        group_fn, payers=_payers(payers), service_date=service_date, screener=screener or DEFAULT_SCREENER,
        detail=detail,
    )
    # An explicit repartition keeps adaptive execution from coalescing the shuffle into
    # one or two partitions: the notes are small in bytes, the work per note is not.
    n = _partitions(df.sparkSession, num_partitions)
    return staged.repartition(n, "patient_id").groupBy("patient_id").applyInPandas(fn, schema=schema)


def screen_records(
    df: DataFrame,
    payers: Sequence[str] | str | None = None,
    service_date: date | None = None,
    *,
    num_partitions: int | None = None,
    max_note_bytes: int | None = None,
    screener: str | None = None,
    detail: str = "standard",
) -> DataFrame:
    """One row per record: ``patient_id``, ``note_id``, ``status``, ``record_json``.

    ``record_json`` is a case record, or the error record of a note that cannot be read
    (which also fills ``note_id``), the same JSON as a line of ``screener screen``'s
    jsonl. ``num_partitions`` defaults to 4 x the default parallelism; ``screener``
    names the screen function (``module:function``, importable on the workers; default
    :data:`DEFAULT_SCREENER`, read when this is called); ``detail`` the record shape
    (``screener.io.shapes``: summary, standard, full), as ``screener screen --detail``.
    """
    return _screen(df, _group_records, RECORD_SCHEMA, payers, service_date, num_partitions, max_note_bytes, screener,
                   detail)


def screen_dataframe(
    df: DataFrame,
    payers: Sequence[str] | str | None = None,
    service_date: date | None = None,
    *,
    num_partitions: int | None = None,
    max_note_bytes: int | None = None,
    screener: str | None = None,
    detail: str = "standard",
) -> DataFrame:
    """Case results in the contract's flattened shape: one row per case x payer.

    The columns of ``screener.io.flatten.typed_rows`` (``PARQUET_COLUMNS``: list columns as
    arrays, ``criteria`` and ``evidence`` as arrays of structs; an unreadable note is one row
    with ``payer`` empty), ending with
    ``record_json``, the whole record repeated on each of its rows. Options as in
    :func:`screen_records`.
    """
    _require_pyspark()
    return _screen(df, _group_flat, flat_schema(), payers, service_date, num_partitions, max_note_bytes, screener,
                   detail)


def _payers(payers: Sequence[str] | str | None) -> tuple[str, ...] | None:
    if payers is None:
        return None
    if isinstance(payers, str):
        payers = payers.split(",")
    return tuple(p.strip().lower() for p in payers if p.strip())


# --------------------------------------------------------------------------------------
# Files: what ``screener spark-screen`` reads and writes


def _format(path: str) -> str:
    """``jsonl`` | ``parquet`` | ``fhir`` (a local Bundle ``.json``) for a local path (checked
    by the bulk reader) or a URI."""
    if "://" in str(path) or str(path).startswith("dbfs:"):
        name = str(path).rstrip("/").lower()
        for suffix in (".jsonl", ".ndjson", ".parquet", ".pq"):
            if name.endswith(suffix):
                return "parquet" if suffix in (".parquet", ".pq") else "jsonl"
        raise InputError(f"{path}: unknown input format; spark-screen reads .parquet or .jsonl")
    from .io.readers import input_format

    fmt = input_format(path)  # InputError for a missing path or an unknown suffix
    if fmt == "folder" and str(path).rstrip("/").lower().endswith((".parquet", ".pq")):
        return "parquet"  # Spark's own folder of part files
    if fmt not in ("jsonl", "parquet", "fhir"):
        raise InputError(f"{path}: spark-screen reads .parquet, .jsonl / .ndjson or a FHIR Bundle .json, not {fmt}; use `screener screen`")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise InputError(f"{path}: input is empty (no notes)")
    return fmt


def read_notes(spark: SparkSession, path: str, *, max_note_bytes: int | None = None) -> DataFrame:
    """Staged notes from ``.jsonl`` (NDJSON of FHIR DocumentReferences too), ``.parquet`` or a
    local FHIR Bundle ``.json`` (one JSON document: read on the driver by the bulk reader, then
    distributed), read as ``screener screen`` reads them.

    Each row carries its ``line N`` / ``row N`` source, so error records match the bulk
    runner's. The result goes straight into :func:`screen_records` / :func:`screen_dataframe`.
    """
    _require_pyspark()
    from .io.readers import DEFAULT_MAX_NOTE_BYTES

    limit = max_note_bytes or DEFAULT_MAX_NOTE_BYTES
    fmt = _format(path)
    if fmt == "fhir":
        from .io.readers import read_notes as read_local

        rows = [_staged_row(item, i) for i, item in enumerate(read_local(path, max_note_bytes=limit, dedupe=False))]
        return spark.createDataFrame(rows, _STAGED_SCHEMA)
    if fmt == "jsonl":
        lines = spark.sparkContext.textFile(str(path), use_unicode=False)
        fn = functools.partial(_stage_jsonl_line, max_note_bytes=limit)
        rows = lines.zipWithIndex().map(fn).filter(lambda row: row is not None)
    else:
        try:
            df = spark.read.parquet(str(path))
        except Exception as exc:
            raise InputError(f"{path}: not a readable parquet file ({type(exc).__name__})") from None
        names = _contract_names(df.columns)
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise InputError(f"{path}: missing required column(s) {', '.join(missing)}")
        fn = functools.partial(_stage_parquet_row, names=names, max_note_bytes=limit)
        rows = df.select(*[f"`{c}`" for c in names.values()]).rdd.zipWithIndex().map(fn)
    return spark.createDataFrame(rows, _STAGED_SCHEMA)


def write_results(
    df: DataFrame,
    path: str,
    *,
    payers: Sequence[str] | str | None = None,
    service_date: date | None = None,
    num_partitions: int | None = None,
    max_note_bytes: int | None = None,
    as_directory: bool = False,
    detail: str = "standard",
) -> dict[str, int]:
    """Screen ``df`` and write the results to ``path``; returns counts for a summary.

    ``.jsonl``: one JSON record per line (cases and unreadable notes), as ``screener
    screen`` writes them. ``.parquet``: the flattened rows of :func:`screen_dataframe`.
    One file by default: Spark writes its parts to a scratch folder beside ``path`` in
    parallel, then the driver joins them batch by batch and renames the result into
    place (no half-written file). ``as_directory=True`` leaves Spark's own folder of part
    files at ``path`` instead (for cluster storage such as ``s3://`` or ``dbfs:/``).
    """
    import shutil
    import uuid
    from pathlib import Path

    kind = _output_format(path)
    options = dict(num_partitions=num_partitions, max_note_bytes=max_note_bytes, detail=detail)
    if kind == "jsonl":
        result = screen_records(df, payers, service_date, **options)
    else:
        result = screen_dataframe(df, payers, service_date, **options)
    # Within each part, cases come in patient_id order (the grouping sorts them).
    if as_directory:
        if kind == "jsonl":
            result.select("record_json").write.mode("overwrite").text(str(path))
        else:
            result.write.mode("overwrite").parquet(str(path))
        return {}
    if "://" in str(path) or str(path).startswith("dbfs:"):
        raise InputError(f"{path}: one output file needs a local path; use --as-directory")
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    scratch = target.parent / f".{target.name}.spark-{tag}"
    partial = target.parent / f".{target.name}.partial-{tag}"
    try:
        result.write.parquet(scratch.as_uri())
        counts = _join_parts(sorted(scratch.glob("part-*.parquet")), partial, kind)
        os.replace(partial, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return counts


def _output_format(path: str) -> str:
    name = str(path).rstrip("/").lower()
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise InputError(f"{path}: unknown output format; spark-screen writes .jsonl or .parquet")


def _join_parts(parts: Sequence, partial, kind: str) -> dict[str, int]:
    """Spark's part files joined into one ``.jsonl`` or ``.parquet`` file, batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .io.flatten import arrow_schema

    if kind == "jsonl":
        counts = {"records": 0, "errors": 0}
        with open(partial, "w", encoding="utf-8", newline="\n") as out:
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches(columns=["status", "record_json"]):
                    cols = batch.to_pydict()
                    for status, line in zip(cols["status"], cols["record_json"]):
                        out.write(line + "\n")
                        counts["records"] += 1
                        counts["errors"] += status == "error"
        return counts
    counts = {"rows": 0}
    schema = arrow_schema()
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for part in parts:
            for batch in pq.ParquetFile(part).iter_batches(columns=list(schema.names)):
                table = pa.Table.from_batches([batch]).cast(schema)
                writer.write_table(table)
                counts["rows"] += batch.num_rows
    return counts
