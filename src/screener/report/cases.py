"""From read items (Notes and error rows) to case records, for the report CLI and the app.

Groups notes by ``patient_id`` (first-appearance order), screens each group with the
lead's ``screener.pipeline.screen_case`` (or an injected function with the same
signature) and keeps every error row, so no input row is lost (contract.md, "Input").
A case whose screening raises becomes an ``E209`` error row naming only the exception
type: never its message, which could quote note text.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from ..model import Note

log = logging.getLogger(__name__)

ScreenCase = Callable[..., dict]
E_SCREEN_FAILED = "E209"
E_DUPLICATE = "E206"


def default_payers() -> tuple[str, ...]:
    """The payer ids the criteria engine knows (``screener.criteria.PAYERS``)."""
    try:
        from ..criteria import PAYERS

        return tuple(PAYERS)
    except ImportError:  # DEVONLY: criteria package not written yet
        return ("uhc", "lhcc", "cohere", "molina")


def pipeline_screen_case() -> ScreenCase:
    """The real ``screen_case`` (imported lazily: it builds the NLP pipeline)."""
    from ..pipeline import screen_case

    return screen_case


def _error(code: str, reason: str, patient_id: Any = None, note_id: Any = None) -> dict[str, Any]:
    return {"patient_id": patient_id, "note_id": note_id, "status": "error", "error": f"{code} {reason}"}


def split_items(items: Iterable[Any], *, case: str | None = None) -> tuple[dict[str, list[Note]], list[dict], dict[str, Note]]:
    """(notes by patient in input order, error rows, note_id -> Note); duplicates become E206 rows.

    ``case`` keeps one patient_id only (error rows included only when they name it).
    """
    groups: dict[str, list[Note]] = {}
    errors: list[dict] = []
    notes: dict[str, Note] = {}
    for item in items:
        if isinstance(item, Note):
            if case is not None and item.patient_id != case:
                continue
            if item.note_id in notes:
                errors.append(_error(E_DUPLICATE, f"note_id {item.note_id} seen earlier in the input; the first one is kept",
                                     item.patient_id, item.note_id))
                continue
            notes[item.note_id] = item
            groups.setdefault(item.patient_id, []).append(item)
        elif isinstance(item, Mapping):
            if case is not None and str(item.get("patient_id")) != case:
                continue
            errors.append(dict(item))
        else:
            errors.append(_error("E207", f"unreadable record of type {type(item).__name__}"))
    return groups, errors, notes


def screen_groups(
    groups: Mapping[str, Sequence[Note]],
    screen_case: ScreenCase,
    *,
    payers: Sequence[str] | None = None,
    service_date: date | None = None,
) -> list[dict[str, Any]]:
    """One case record per patient; a failing case becomes an E209 error row."""
    records: list[dict[str, Any]] = []
    for pid, case_notes in groups.items():
        try:
            record = dict(screen_case(list(case_notes), payers=list(payers) if payers else None, service_date=service_date))
            record.setdefault("patient_id", pid)
            record.setdefault("status", "ok")
            record.setdefault("note_ids", [n.note_id for n in case_notes])
            warnings = [w for n in case_notes for w in getattr(n, "warnings", ())]
            if warnings:
                record["warnings"] = list(record.get("warnings") or ()) + warnings
            records.append(record)
        except Exception as exc:  # noqa: BLE001 -- one bad case never stops the others
            log.warning("case %s: screening failed (%s)", pid, type(exc).__name__)
            records.append(_error(E_SCREEN_FAILED, f"screening failed on this case ({type(exc).__name__})", pid, None))
    return records


def screen_items(
    items: Iterable[Any],
    screen_case: ScreenCase,
    *,
    payers: Sequence[str] | None = None,
    service_date: date | None = None,
    case: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Note]]:
    """(records: case records then error rows, notes by id) for read items."""
    groups, errors, notes = split_items(items, case=case)
    records = screen_groups(groups, screen_case, payers=payers, service_date=service_date)
    return records + errors, notes
