"""Request and response models of the JSON API (contract.md "Input", "Output"), in pydantic.

They generate the OpenAPI description served at ``/openapi.json``. The handlers read
bodies themselves (so a bad body gets the contract's one-line 400, not a validation
dump); these models document the same shapes.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class NoteIn(BaseModel):
    """One note of the contract's input."""

    model_config = ConfigDict(extra="allow")
    patient_id: str
    note_id: str
    text: str = Field(description="the note's text (UTF-8); evidence offsets point into it")
    note_date: _dt.date | None = None
    request_type: Literal["trial", "permanent", "replacement"] | None = None
    service_date: _dt.date | None = None


class ScreenRequest(BaseModel):
    """Notes with the payers to screen and the service date (picks the policy version)."""

    model_config = ConfigDict(extra="forbid")
    notes: list[NoteIn]
    payers: list[str] | None = Field(None, description="payer ids (default: all)")
    service_date: _dt.date | None = Field(None, description="default: the notes' column, else today")


class Evidence(BaseModel):
    """One span of one note; ``start``/``end`` are character offsets into that note's text."""

    model_config = ConfigDict(extra="allow")
    key: str | None = None
    value: Any = None
    note_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str | None = None
    section: str | None = None
    rule_id: str | None = None


class FindingOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: Any = None
    source: str | None = None
    bound: Literal[">=", ">", "<=", "<"] | None = None
    evidence: list[Evidence] = []


class DeterminationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: Literal["meets_criteria", "does_not_meet", "insufficient_documentation", "not_addressed", "external_criteria"]
    policy: str | None = None
    missing: list[str] = []
    failed: list[str] = []
    reasons: list[str] = []


class CaseRecord(BaseModel):
    """A screened case (``status: ok``) or an error row (``status: error`` with ``error``)."""

    model_config = ConfigDict(extra="allow")
    patient_id: str | None
    status: Literal["ok", "error"]
    error: str | None = Field(None, description="error rows: code and one-line reason (E2xx)")
    findings: dict[str, FindingOut] = {}
    determinations: dict[str, DeterminationOut] = {}


class ErrorOut(BaseModel):
    status: int
    error: str = Field(description="one line; never note text")


class Health(BaseModel):
    status: Literal["ok"]
    payers: list[str]
    worklist: bool = False


class DecisionIn(BaseModel):
    """A reviewer's verdict on one criterion (``POST /api/cases/{patient_id}/decisions``)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(description="the finding the criterion tests")
    verdict: Literal["met", "not_met", "missing"]
    reviewer: str
    reason: str = ""
    payer: str | None = None
    criterion_id: str | None = Field(None, description="the leaf's id; with payer, its verdict gives the value")
    value: Any = Field(None, description="the value, where the verdict alone does not say it")
    spans: list[dict[str, Any]] = Field([], description="[{note_id, start, end}]: offsets into the original note")


class DecisionOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    key: str
    verdict: str
    value: dict[str, Any]
    reviewer: str
    created_at: str | None


class WorklistRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    patient_id: str
    state: Literal["new", "in_review", "done"]
    decisions: int
    statuses: dict[str, str]
    missing: list[str]


class CaseReview(BaseModel):
    """One case: the screener's statuses, the reviewer's recomputed statuses, decisions in force and history."""

    model_config = ConfigDict(extra="allow")
    patient_id: str
    state: str
    screener: dict[str, str]
    reviewer: dict[str, str]
    in_force: dict[str, DecisionOut]
    history: list[DecisionOut]
    suggestions: dict[str, list[dict[str, Any]]] = {}
