"""One case in, the contract's case record out: read the notes, merge the findings,
determine every payer's status (contract.md, "Output")."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Sequence

from .criteria import PAYERS, determine
from .extraction import read_case
from .model import Note


def _service_date(notes: Sequence[Note], service_date: _dt.date | str | None) -> _dt.date:
    if isinstance(service_date, str):
        return _dt.date.fromisoformat(service_date)
    if service_date is not None:
        return service_date
    given = [n.service_date for n in notes if n.service_date]
    return max(given) if given else _dt.date.today()


def screen_case(
    notes: Sequence[Note],
    payers: Sequence[str] | None = None,
    service_date: _dt.date | str | None = None,
) -> dict[str, Any]:
    """The case record for one patient's notes (all notes share ``patient_id``).

    ``service_date`` (argument, else the notes' ``service_date`` column, else today) picks
    the policy version in force. Notes that cannot be read are listed under
    ``note_errors`` and the case is judged on the others; with no readable note the record
    has ``status: "error"``.
    """
    notes = list(notes)
    if not notes:
        raise ValueError("screen_case needs at least one note")
    day = _service_date(notes, service_date)
    reading = read_case(notes)
    record: dict[str, Any] = {
        "patient_id": notes[0].patient_id,
        "status": "ok",
        "note_ids": [n.note_id for n in notes],
        "service_date": day.isoformat(),
        "request_type": _value(reading.findings, "request_type"),
        "indication": _value(reading.findings, "indication"),
        "findings": {key: f.to_dict() for key, f in sorted(reading.findings.items())},
        "mentions": [m.to_dict() for m in reading.mentions],
        "note_errors": [{"note_id": nid, "error": err} for nid, err in reading.note_errors],
        "determinations": {},
    }
    if len(reading.note_errors) == len(notes):
        record["status"] = "error"
        record["error"] = "no readable note in this case"
        return record
    record["determinations"] = determine(reading.findings, tuple(payers) if payers else PAYERS, day)
    return record


def _value(findings, key: str) -> Any:
    finding = findings.get(key)
    return finding.value if finding else None
