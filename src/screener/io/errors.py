"""Coded reasons for one unreadable note (``E2xx``) and for notes read with a caveat (``W2xx``).

An unreadable note never stops a bulk run (contract.md, "Input"): it becomes an error row
``{"patient_id", "note_id", "status": "error", "error": "E2xx one-line reason", "source"}``.
Reasons name ids, line numbers, sizes and field names, never note text (PHI).
"""
from __future__ import annotations

from typing import Any

E_MISSING_ID = "E201"      # patient_id or note_id missing / empty
E_EMPTY_TEXT = "E202"      # text missing, empty or whitespace only
E_NOT_TEXT = "E203"        # body is not text (a number, binary content, not a .txt file)
E_UNDECODABLE = "E204"     # bytes that are not UTF-8
E_TOO_LARGE = "E205"       # note over --max-note-bytes
E_DUPLICATE = "E206"       # a note_id seen earlier in the input
E_MALFORMED = "E207"       # a record that cannot be parsed (bad JSON line, broken CSV quote, wrong field count)
E_UNREADABLE = "E208"      # a file of a folder input cannot be opened, or a manifest entry names no file
E_SCREEN_FAILED = "E209"   # the screening function raised on this case
E_WORKER_CRASHED = "E210"  # the worker process died while screening this case
E_CASE_TIMEOUT = "E211"    # screening this case took longer than the per-case time limit
E_FHIR = "E212"            # a FHIR DocumentReference not screened (entered-in-error, unresolved Binary url)

W_BAD_DATE = "W201"        # note_date / service_date not ISO: read as undated
W_BAD_REQUEST_TYPE = "W202"  # request_type not trial/permanent/replacement: ignored
W_CONTROL_CHARS = "W203"   # control characters replaced by spaces (offsets unchanged)


def error_row(
    code: str,
    reason: str,
    *,
    patient_id: Any = None,
    note_id: Any = None,
    source: str | None = None,
) -> dict[str, Any]:
    """The contract's error row; ``source`` says where in the input the row came from."""
    return {
        "patient_id": _clean_id(patient_id),
        "note_id": _clean_id(note_id),
        "status": "error",
        "error": f"{code} {reason}",
        "source": source,
    }


def _clean_id(value: Any) -> str | None:
    """An id fit for an error row: a short printable string, or None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if not text:
        return None
    return text[:200]
