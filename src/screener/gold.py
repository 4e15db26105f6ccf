"""Annotated cases ("gold"): the format of ``sample_notes/`` and of a user's gold folder.

A gold folder holds one sub-folder per case::

    GOLD_DIR/
      C01/
        case.yaml        # case metadata, the notes' metadata and the gold answers
        C01-N1.txt       # one note per .txt file (UTF-8)
        C01-N2.txt

``case.yaml``::

    patient_id: C01                  # required
    request_type: permanent          # optional: the input column (overrides the notes)
    service_date: 2026-08-01         # optional: picks the policy version
    description: one line on what the case exercises
    notes:
      - note_id: C01-N1              # required; the file is <note_id>.txt unless `file` says
        note_date: 2026-03-02        # optional ISO date
        kind: pain clinic consult    # optional, free text
        findings:                    # gold for this note alone (what it documents)
          pain_score_nrs: 8
          dementia: false
        evidence:                    # optional: exact quotes of this note that state a finding
          pain_score_nrs: ["pain 8/10 most days"]
    findings:                        # gold for the whole case (merged across notes)
      pain_score_nrs: 8
      trial_pain_reduction_pct: 62.5
      dementia: false
      indication: nonmalignant_pain
      request_type: permanent
    determinations:                  # gold status per payer (contract.md statuses)
      uhc: meets_criteria
      lhcc: insufficient_documentation
      cohere: does_not_meet
      molina: insufficient_documentation

Keys not listed under ``findings`` are gold ``null`` (not documented). Values: numbers
for ``number`` keys (compared within 1 point), ``true``/``false`` for ``bool`` keys,
the enum's string for ``enum`` keys.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .model import Note, Value
from .vocabulary import vocabulary


@dataclass(frozen=True)
class GoldNote:
    note: Note
    kind: str | None
    findings: dict[str, Value]
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key -> exact quotes of this note


@dataclass(frozen=True)
class GoldCase:
    case_id: str
    patient_id: str
    notes: tuple[GoldNote, ...]
    findings: dict[str, Value]
    determinations: dict[str, str]
    description: str = ""
    request_type: str | None = None
    service_date: _dt.date | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def plain_notes(self) -> list[Note]:
        return [g.note for g in self.notes]


def _date(value: Any, where: str) -> _dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: date {value!r} is not ISO (YYYY-MM-DD)") from None


def _check_findings(raw: Any, where: str) -> dict[str, Value]:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        raise InputError(f"{where}: findings must be a mapping of finding key -> value")
    vocab = vocabulary()
    out: dict[str, Value] = {}
    for key, value in raw.items():
        if key not in vocab:
            raise InputError(f"{where}: unknown finding key {key!r}")
        spec = vocab[key]
        if value is None:
            continue
        if spec.type == "bool" and not isinstance(value, bool):
            raise InputError(f"{where}: {key} must be true/false, got {value!r}")
        if spec.type == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{where}: {key} must be a number, got {value!r}")
            value = float(value)
        if spec.type == "enum" and value not in spec.values:
            raise InputError(f"{where}: {key} must be one of {list(spec.values)}, got {value!r}")
        out[key] = value
    return out


def _check_evidence(raw: Any, text: str, where: str) -> dict[str, tuple[str, ...]]:
    """``evidence: {key: [quote, ...]}``: each quote must occur in the note's text exactly."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(f"{where}: evidence must be a mapping of finding key to quotes")
    out: dict[str, tuple[str, ...]] = {}
    for key, quotes in raw.items():
        if key not in vocabulary():
            raise InputError(f"{where}: evidence: unknown finding key {key!r}")
        quotes = [quotes] if isinstance(quotes, str) else quotes
        if not isinstance(quotes, list) or not all(isinstance(q, str) and q for q in quotes):
            raise InputError(f"{where}: evidence.{key} must be a list of quoted strings")
        for q in quotes:
            if q not in text:
                raise InputError(f"{where}: evidence.{key}: quote not found in the note ({len(q)} characters)")
        out[str(key)] = tuple(quotes)
    return out


def load_case(case_dir: Path) -> GoldCase:
    """Read one case folder; errors name the file and the field."""
    case_dir = Path(case_dir)
    meta_path = case_dir / "case.yaml"
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{meta_path}: cannot read ({type(exc).__name__})") from None
    where = str(meta_path)
    patient_id = str(meta.get("patient_id") or case_dir.name)
    service_date = _date(meta.get("service_date"), where)
    request_type = meta.get("request_type")
    notes = []
    for i, entry in enumerate(meta.get("notes") or []):
        nwhere = f"{where} notes[{i}]"
        if "note_id" not in entry:
            raise InputError(f"{nwhere}: note_id is required")
        note_id = str(entry["note_id"])
        text_path = case_dir / entry.get("file", f"{note_id}.txt")
        try:
            text = text_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{nwhere}: cannot read {text_path.name} ({type(exc).__name__})") from None
        note = Note(
            patient_id=patient_id,
            note_id=note_id,
            text=text,
            note_date=_date(entry.get("note_date"), nwhere),
            request_type=request_type,
            service_date=service_date,
        )
        notes.append(GoldNote(note=note, kind=entry.get("kind"), findings=_check_findings(entry.get("findings"), nwhere),
                              evidence=_check_evidence(entry.get("evidence"), text, nwhere)))
    if not notes:
        raise InputError(f"{where}: a case needs at least one note")
    return GoldCase(
        case_id=case_dir.name,
        patient_id=patient_id,
        notes=tuple(notes),
        findings=_check_findings(meta.get("findings"), where),
        determinations={str(k): str(v) for k, v in (meta.get("determinations") or {}).items()},
        description=str(meta.get("description") or ""),
        request_type=request_type,
        service_date=service_date,
        path=case_dir,
    )


def load_gold(gold_dir: Path | str) -> list[GoldCase]:
    """Every case folder under ``gold_dir`` (sorted by name). ``gold_dir`` may also be
    the parent of a ``cases/`` folder."""
    root = Path(gold_dir)
    if (root / "cases").is_dir():
        root = root / "cases"
    if not root.is_dir():
        raise InputError(f"{root}: gold folder not found")
    cases = [load_case(p) for p in sorted(root.iterdir()) if (p / "case.yaml").is_file()]
    if not cases:
        raise InputError(f"{root}: no case folders with a case.yaml")
    return cases
