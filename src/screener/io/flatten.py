"""Flat rows from case records, for ``.csv`` / ``.parquet`` outputs and Spark.

``flatten_record(record)`` gives one row per case and payer (contract.md, "Output":
"flattened: one row per case and payer"); a record without determinations (an error
row, or a case screened for no payer) gives one row with ``payer`` empty. Every row has
every column of ``FLAT_COLUMNS``; list values are joined with ``"; "`` and ``record_json``
holds the whole record, so nothing is lost by flattening.
"""
from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from typing import Any

FLAT_COLUMNS = (
    "patient_id",
    "status",
    "request_type",
    "indication",
    "service_date",
    "note_ids",
    "payer",
    "determination",
    "policy",
    "branch",
    "missing",
    "failed",
    "reasons",
    "error",
    "warnings",
    "source",
    "record_json",
)
LIST_SEPARATOR = "; "
# .parquet (and spark-screen's parquet): the same rows with typed columns: lists stay lists,
# and each payer row also holds its criteria (id, result) and their evidence spans
LIST_COLUMNS = ("note_ids", "missing", "failed", "reasons", "warnings")
PARQUET_COLUMNS = FLAT_COLUMNS[:-1] + ("criteria", "evidence", "record_json")


def arrow_schema():
    """The pyarrow schema of ``.parquet`` output, shared by ``screen`` and ``spark-screen``."""
    import pyarrow as pa

    types = {c: pa.list_(pa.string()) for c in LIST_COLUMNS}
    types["criteria"] = pa.list_(pa.struct([("id", pa.string()), ("result", pa.string())]))
    types["evidence"] = pa.list_(pa.struct([
        ("key", pa.string()), ("note_id", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
        ("text", pa.string()), ("section", pa.string()), ("rule_id", pa.string()), ("bound", pa.string())]))
    return pa.schema([(c, types.get(c, pa.string())) for c in PARQUET_COLUMNS])


def typed_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``flatten_record``'s rows with typed columns (``PARQUET_COLUMNS``): list columns as
    lists, each payer's ``criteria`` as (id, result) structs and its criteria's ``evidence``
    spans as structs, so pandas, DuckDB and Spark query them directly."""
    from .shapes import expand

    full = expand(record)
    rows = _flat_rows(record, full)
    determinations = full.get("determinations") or {}
    note_ids = full.get("note_ids")
    if note_ids is None and full.get("note_id") is not None:
        note_ids = [full["note_id"]]
    for row in rows:
        for column in LIST_COLUMNS:
            row[column] = None
        row["note_ids"] = [str(n) for n in note_ids] if note_ids is not None else None
        row["warnings"] = [str(w) for w in full.get("warnings") or ()] or None
        det = determinations.get(row["payer"]) if row["payer"] else None
        row["criteria"], row["evidence"] = None, None
        if det is not None:
            for column in ("missing", "failed", "reasons"):
                row[column] = [str(v) for v in det.get(column) or ()]
            row["criteria"] = [{"id": c.get("id"), "result": c.get("result")} for c in det.get("criteria") or ()]
            seen, evidence = set(), []
            for crit in det.get("criteria") or ():
                for ev in crit.get("evidence") or ():
                    mark = (ev.get("key"), ev.get("note_id"), ev.get("start"), ev.get("end"))
                    if mark not in seen:
                        seen.add(mark)
                        evidence.append({"key": ev.get("key"), "note_id": ev.get("note_id"), "start": ev.get("start"),
                                         "end": ev.get("end"), "text": ev.get("text"), "section": ev.get("section"),
                                         "rule_id": ev.get("rule_id"), "bound": ev.get("bound")})
            row["evidence"] = evidence
    return [{c: row.get(c) for c in PARQUET_COLUMNS} for row in rows]


def json_default(value: Any) -> Any:
    """``json.dumps`` default: dates as ISO strings, sets and tuples as lists."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def record_json(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=json_default, separators=(",", ":"))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset)):
        return LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict,)):
        return json.dumps(value, ensure_ascii=False, default=json_default)
    return str(value)


def flatten_record(record: Mapping[str, Any]) -> list[dict[str, str | None]]:
    """One row per case x payer; every value a string or None. A record of any shape
    (``screener.io.shapes``): ``record_json`` holds it as written, the columns are read from
    its expanded form."""
    from .shapes import expand

    return _flat_rows(record, expand(record))


def _flat_rows(written: Mapping[str, Any], record: Mapping[str, Any]) -> list[dict[str, str | None]]:
    """The flat rows of ``written`` (``record_json``) read from ``record``, its expanded form."""
    note_ids = record.get("note_ids")
    if note_ids is None and record.get("note_id") is not None:
        note_ids = [record["note_id"]]
    base = {
        "patient_id": _text(record.get("patient_id")),
        "status": _text(record.get("status")),
        "request_type": _text(record.get("request_type")),
        "indication": _text(record.get("indication")),
        "service_date": _text(record.get("service_date")),
        "note_ids": _text(note_ids),
        "error": _text(record.get("error")),
        "warnings": _text(record.get("warnings")),
        "source": _text(record.get("source")),
        "record_json": record_json(written),
    }
    determinations = record.get("determinations") or {}
    rows = []
    for payer, det in determinations.items():
        det = det or {}
        rows.append(_row(base, {
            "payer": _text(payer),
            "determination": _text(det.get("status")),
            "policy": _text(det.get("policy")),
            "branch": _text(det.get("branch")),
            "missing": _text(det.get("missing")),
            "failed": _text(det.get("failed")),
            "reasons": _text(det.get("reasons")),
        }))
    if not rows:
        rows.append(_row(base, {}))
    return rows


def _row(base: dict[str, Any], payer_part: dict[str, Any]) -> dict[str, str | None]:
    merged = {**base, **payer_part}
    return {column: merged.get(column) for column in FLAT_COLUMNS}
