"""The bundled sample chart extract (what ``screener demo`` screens).

Built from the annotated cases in ``sample_notes/cases/*/`` (format:
``screener.gold.load_gold``). The folder ships inside the wheel as
``screener/sample_notes`` (pyproject's force-include) and is read from the checkout's
``sample_notes/`` in an editable install, as ``screener.paths.rules_dir`` does for rules.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..model import Note
from ..paths import data_dir


def sample_notes_dir() -> Path:
    """The folder holding the sample cases (``cases/<case>/case.yaml`` + notes)."""
    found = data_dir("sample_notes")
    if found is None:
        raise InputError("sample notes not found: neither screener/sample_notes nor <repo>/sample_notes")
    return found


def sample_extract(folder: Path | str | None = None) -> list[Note]:
    """Every note of the sample cases, as one chart extract (cases in folder order)."""
    from ..gold import load_gold

    cases = load_gold(Path(folder) if folder else sample_notes_dir())
    return [note for case in cases for note in case.plain_notes]


def note_to_dict(note: Note) -> dict:
    """A note as one line of a ``.jsonl`` chart extract (contract.md, "Input")."""
    return {
        "patient_id": note.patient_id,
        "note_id": note.note_id,
        "note_date": note.note_date.isoformat() if note.note_date else None,
        "request_type": note.request_type,
        "service_date": note.service_date.isoformat() if note.service_date else None,
        "text": note.text,
    }
