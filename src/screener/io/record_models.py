"""Pydantic models of the written record shapes (``screener.io.shapes``), for validation and
for the JSON Schemas in ``docs/schema/`` (``screener schema``; docs/bulk.md, "Record shapes").

The models describe what ``screener screen`` and ``spark-screen`` write: ``CaseStandard``
(the default), ``CaseSummary``, ``CaseFull`` and the contract's ``ErrorRow``. Unknown keys
are refused (``extra="forbid"``), so a test that validates every written record catches a
shape that drifted from its schema.
"""
from __future__ import annotations

import json
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .shapes import SCHEMA

Value = Union[bool, float, int, str, None]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceTable(_Strict):
    """Every evidence span of the case once, by column; a row's id is its position."""

    note: list[int] = Field(description="index into note_ids (or evidence_note_ids)")
    start: list[int] = Field(description="character offset of the span in the note's text")
    end: list[int]
    text: list[str | None] = Field(description="the quoted span")
    section: list[str | None]
    rule_id: list[str | None] = Field(description="the extraction rule that read it")
    key: list[str | None] | None = Field(default=None, description="finding key (full only; standard: the citing finding's)")
    value: list[Value] = Field(description="the mention's value")
    flags: list[int] = Field(description="bit set: 1 negated, 2 historical, 4 hypothetical, 8 family, 16 uncertain")
    bound: list[str | None] | None = Field(default=None, description="'>=', '>', '<=', '<': a number given only as a bound")


class FindingRef(_Strict):
    value: Value
    evidence: list[int] = Field(description="ids of the evidence table")
    superseded: list[int] = Field(default=[], description="older evidence a later note replaced")
    source: str | None = None
    bound: Literal[">=", ">", "<=", "<"] | None = Field(default=None, description="the value is only a bound")


class DeterminationLean(_Strict):
    """What standard and summary keep of a payer's determination; the rest is recomputed."""

    status: Literal["meets_criteria", "does_not_meet", "insufficient_documentation", "external_criteria", "not_addressed"]
    policy_id: str | None = None
    branch: str | None = None
    missing: list[str] = []
    failed: list[str] = []


class NoteError(_Strict):
    note_id: str | None = None
    error: str


class _CaseBase(_Strict):
    schema_: Literal[SCHEMA] = Field(alias="schema")  # type: ignore[valid-type]
    patient_id: str
    status: Literal["ok", "error"]
    request_type: str | None = None
    indication: str | None = None
    service_date: str | None = None
    error: str | None = None


class CaseSummary(_CaseBase):
    """One line per case: each payer's status and what is missing or failed."""

    detail: Literal["summary"]
    determinations: dict[str, DeterminationLean] = {}


class CaseStandard(_CaseBase):
    """The default: findings with evidence ids into the case's evidence table."""

    detail: Literal["standard"]
    rules_version: str
    note_ids: list[str]
    note_dates: list[str | None] = Field(description="date of each note of note_ids / evidence_note_ids")
    evidence_note_ids: list[str] | None = None
    warnings: list[str] | None = None
    note_errors: list[NoteError] | None = None
    findings: dict[str, FindingRef]
    determinations: dict[str, DeterminationLean]
    evidence: EvidenceTable


class DeterminationFull(_Strict):
    model_config = ConfigDict(extra="allow")
    status: str
    criteria: list[dict[str, Any]] = Field(description="every node, pre-order; evidence as ids")
    trace: dict[str, Any] = Field(description="the nested trace; evidence as ids")


class CaseFull(CaseStandard):
    """Standard plus every mention and each payer's criteria and trace."""

    detail: Literal["full"]  # type: ignore[assignment]
    mentions: list[int]
    determinations: dict[str, DeterminationFull]  # type: ignore[assignment]


class ErrorRow(_Strict):
    """A note that could not be read (contract.md, "Input"): same at every detail."""

    patient_id: str | None
    note_id: str | None
    status: Literal["error"]
    error: str = Field(description="E2xx code and a one-line reason (never note text)")
    source: str | None


MODELS = {"summary": CaseSummary, "standard": CaseStandard, "full": CaseFull, "error": ErrorRow}


def validate(record: dict[str, Any]) -> BaseModel:
    """Validate one written record against the model of its shape (``ValidationError`` if not)."""
    if record.get("schema") is None:
        return ErrorRow.model_validate(record)
    return MODELS[record.get("detail", "standard")].model_validate(record)


def json_schema(detail: str) -> dict[str, Any]:
    """The JSON Schema of one shape (``summary`` | ``standard`` | ``full`` | ``error``)."""
    schema = TypeAdapter(MODELS[detail]).json_schema(by_alias=True)
    schema["$id"] = f"https://screener.example.org/schema/{SCHEMA.replace('/', '-')}-{detail}.json"
    return schema


def json_schema_text(detail: str) -> str:
    return json.dumps(json_schema(detail), indent=2, sort_keys=True) + "\n"
