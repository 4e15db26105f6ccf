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

    written, record = record, expand(record)
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
