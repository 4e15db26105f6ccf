"""Immutable records that travel between layers: Note -> Evidence -> Finding.

Only ``screener.nlp`` touches spaCy objects; everything downstream sees these records.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Union

Value = Union[bool, float, str, None]

REQUEST_TYPES = ("trial", "permanent", "replacement")
INDICATIONS = ("cancer_pain", "nonmalignant_pain", "spasticity")


@dataclass(frozen=True)
class Note:
    """One free-text clinical document of a case (contract.md, "Input")."""

    patient_id: str
    note_id: str
    text: str
    note_date: date | None = None
    request_type: str | None = None  # input column; overrides what the notes say
    service_date: date | None = None  # picks the policy version in force

    def __post_init__(self) -> None:
        # dates may be given as ISO strings ("2026-03-01"); everything downstream needs dates
        for name in ("note_date", "service_date"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                object.__setattr__(self, name, value.date())
            elif isinstance(value, str):
                try:
                    object.__setattr__(self, name, date.fromisoformat(value.strip()) if value.strip() else None)
                except ValueError:
                    raise ValueError(f"Note {name}: not an ISO date (YYYY-MM-DD)") from None


@dataclass(slots=True)
class Evidence:
    """One span of one note that supports a finding value. Read-only by convention: not a
    frozen dataclass, which costs four times as much to build, and one is built for every
    mention of every note.

    ``start``/``end`` are character offsets into the note's ``text``; ``rule_id`` names
    the extraction rule that matched; the assertion flags are ConText's verdict on the
    span (a negated span is kept as evidence for a ``false`` value, never a ``true``).
    """

    key: str
    value: Value
    note_id: str
    start: int
    end: int
    text: str
    section: str | None = None
    rule_id: str = ""
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    uncertain: bool = False
    note_date: date | None = None
    bound: str | None = None  # ">=", ">", "<=", "<": the text gives the number only as a bound

    def to_dict(self) -> dict[str, Any]:
        # written out (not dataclasses.asdict, which deep-copies every field): this runs
        # for every mention of every note in a bulk run
        out = {
            "key": self.key,
            "value": self.value,
            "note_id": self.note_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "section": self.section,
            "rule_id": self.rule_id,
            "negated": self.negated,
            "historical": self.historical,
            "hypothetical": self.hypothetical,
            "family": self.family,
            "uncertain": self.uncertain,
            "note_date": self.note_date.isoformat() if self.note_date else None,
        }
        if self.bound:
            out["bound"] = self.bound
        return out


@dataclass(frozen=True)
class Finding:
    """The case-level value of one finding key with the evidence behind it.

    ``evidence`` supports ``value``; ``superseded`` keeps older or conflicting evidence
    that lost to it (most recent dated statement wins), so the trace shows both.
    """

    key: str
    value: Value
    evidence: tuple[Evidence, ...] = ()
    superseded: tuple[Evidence, ...] = field(default=())
    source: str = "notes"  # "notes" | "input" (e.g. request_type column) | "derived"
    # ">=", ">", "<=", "<" when the notes give the number only as a bound ("3 months or more"):
    # the criteria engine then decides a threshold only where every number within it agrees
    bound: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "value": self.value,
            "source": self.source,
            "evidence": [e.to_dict() for e in self.evidence],
            "superseded": [e.to_dict() for e in self.superseded],
        }
        if self.bound:
            out["bound"] = self.bound
        return out


Findings = dict[str, Finding]
