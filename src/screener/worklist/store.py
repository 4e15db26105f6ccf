"""The worklist's reads and writes (SQLAlchemy sessions; the same on SQLite and PostgreSQL).

- ``load_cases``: screened records (any ``--detail`` shape) and their notes -> rows; a case
  loaded again is re-screened in place (record, notes, statuses), its decisions are kept;
- ``worklist``: the list, filtered by payer, status, missing finding and review state;
- ``case_view``: one case with its notes, the decisions in force and every decision ever
  made, and the determination recomputed from the reviewer's values;
- ``decide`` / ``set_state``: append a decision or a review state (never update, never delete);
- ``export_gold``: reviewed cases as a gold folder (``screener.gold``) for ``screener evaluate``.
"""
from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..errors import InputError
from ..io.shapes import expand, is_error_row, shape
from ..model import Note
from .db import REVIEW_STATES, Case, CaseNote, Decision, PayerStatus, ReviewState
from .review import decided_value, find_leaf, recompute, reviewed_findings


@dataclass
class LoadSummary:
    loaded: int = 0
    replaced: int = 0
    skipped: list[str] = field(default_factory=list)  # one line per record not loaded (error rows, no notes)


def _date(value: Any) -> _dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def load_cases(engine: Engine, records: Iterable[Mapping[str, Any]], notes: Mapping[str, Note], *,
               source: str | None = None, kinds: Mapping[str, str] | None = None) -> LoadSummary:
    """Store ``records`` (as ``screen`` wrote them) with their notes' text. One transaction:
    a failure loads nothing."""
    summary = LoadSummary()
    with Session(engine) as session, session.begin():
        for raw in records:
            pid = raw.get("patient_id")
            if is_error_row(raw):
                summary.skipped.append(f"{pid or '?'}: error row ({str(raw.get('error', ''))[:80]})")
                continue
            record = expand(raw)
            case_notes = [notes[n] for n in record.get("note_ids") or [] if n in notes]
            if not case_notes:
                summary.skipped.append(f"{pid}: none of its notes is in the notes input")
                continue
            stored = shape(record, "standard")
            case = session.scalars(select(Case).where(Case.patient_id == str(pid))).first()
            if case is None:
                case = Case(patient_id=str(pid), record=stored)
                session.add(case)
                summary.loaded += 1
            else:
                case.record = stored
                session.execute(CaseNote.__table__.delete().where(CaseNote.case_id == case.id))
                session.execute(PayerStatus.__table__.delete().where(PayerStatus.case_id == case.id))
                summary.replaced += 1
            case.service_date = _date(record.get("service_date"))
            case.request_type = record.get("request_type")
            case.indication = record.get("indication")
            case.source = (source or "")[:400] or None
            session.flush()
            for n in case_notes:
                session.add(CaseNote(case_id=case.id, note_id=n.note_id, note_date=_date(n.note_date),
                                     kind=(kinds or {}).get(n.note_id), text=n.text))
            for payer, det in (record.get("determinations") or {}).items():
                session.add(PayerStatus(case_id=case.id, payer=payer, status=det.get("status") or "",
                                        missing="," + ",".join(det.get("missing") or []) + ","))
    return summary


def _latest_state(session: Session, case_id: int) -> str:
    row = session.scalars(select(ReviewState).where(ReviewState.case_id == case_id).order_by(ReviewState.id.desc())).first()
    return row.state if row else "new"


def worklist(engine: Engine, *, payer: str | None = None, status: str | None = None, missing: str | None = None,
             state: str | None = None) -> list[dict[str, Any]]:
    """One row per case: statuses per payer, missing keys, review state, number of decisions."""
    with Session(engine) as session:
        query = select(Case).order_by(Case.patient_id)
        if payer or status or missing:
            sub = select(PayerStatus.case_id)
            if payer:
                sub = sub.where(PayerStatus.payer == payer)
            if status:
                sub = sub.where(PayerStatus.status == status)
            if missing:
                sub = sub.where(PayerStatus.missing.like(f"%,{missing},%"))
            query = query.where(Case.id.in_(sub))
        counts = dict(session.execute(select(Decision.case_id, func.count()).group_by(Decision.case_id)).all())
        states = {}
        for row in session.scalars(select(ReviewState).order_by(ReviewState.id)):
            states[row.case_id] = row.state
        rows = []
        for case in session.scalars(query):
            case_state = states.get(case.id, "new")
            if state and case_state != state:
                continue
            statuses = session.scalars(select(PayerStatus).where(PayerStatus.case_id == case.id).order_by(PayerStatus.payer)).all()
            rows.append({
                "patient_id": case.patient_id, "service_date": case.service_date, "request_type": case.request_type,
                "indication": case.indication, "state": case_state, "decisions": counts.get(case.id, 0),
                "statuses": {s.payer: s.status for s in statuses},
                "missing": sorted({k for s in statuses for k in s.missing.strip(",").split(",") if k}),
            })
        return rows


def _decision_dict(d: Decision) -> dict[str, Any]:
    return {"id": d.id, "key": d.key, "verdict": d.verdict, "value": d.value, "payer": d.payer,
            "criterion_id": d.criterion_id, "reason": d.reason, "spans": d.spans, "reviewer": d.reviewer,
            "created_at": d.created_at.isoformat() if d.created_at else None}


@dataclass
class CaseView:
    patient_id: str
    record: dict[str, Any]                 # the screener's record, expanded
    notes: dict[str, Note]
    kinds: dict[str, str | None]
    state: str
    history: list[dict[str, Any]]          # every decision, oldest first
    in_force: dict[str, dict[str, Any]]    # key -> the latest decision on it
    reviewed: dict[str, Any]               # findings with the decisions applied
    reviewer_determinations: dict[str, dict[str, Any]]


def _get_case(session: Session, patient_id: str) -> Case:
    case = session.scalars(select(Case).where(Case.patient_id == patient_id)).first()
    if case is None:
        raise InputError(f"no case {patient_id[:80]!r} in the worklist")
    return case


def case_view(engine: Engine, patient_id: str) -> CaseView:
    with Session(engine) as session:
        case = _get_case(session, patient_id)
        record = expand(case.record)
        rows = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)).all()
        notes = {r.note_id: Note(patient_id, r.note_id, r.text, r.note_date) for r in rows}
        kinds = {r.note_id: r.kind for r in rows}
        history = [_decision_dict(d) for d in
                   session.scalars(select(Decision).where(Decision.case_id == case.id).order_by(Decision.id))]
        state = _latest_state(session, case.id)
    in_force: dict[str, dict[str, Any]] = {}
    for d in history:
        in_force[d["key"]] = d
    reviewed = reviewed_findings(record.get("findings") or {}, history)
    payers = list((record.get("determinations") or {}).keys())
    dets = recompute(reviewed, payers, record.get("service_date"))
    return CaseView(patient_id, record, notes, kinds, state, history, in_force, reviewed, dets)


def decide(engine: Engine, patient_id: str, *, key: str, verdict: str, reviewer: str, reason: str = "",
           spans: Sequence[Mapping[str, Any]] = (), payer: str | None = None, criterion_id: str | None = None,
           value: Any = None) -> dict[str, Any]:
    """Append a decision; spans are checked against the notes' text (offsets into the original)."""
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise InputError("a decision needs a reviewer name")
    with Session(engine) as session, session.begin():
        case = _get_case(session, patient_id)
        texts = {r.note_id: r.text for r in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id))}
        clean = []
        for s in spans:
            nid, start, end = s.get("note_id"), s.get("start"), s.get("end")
            if nid not in texts:
                raise InputError(f"span names note {str(nid)[:80]!r}, not a note of this case")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(texts[nid])):
                raise InputError(f"span {start}-{end} is not inside note {nid}")
            clean.append({"note_id": nid, "start": start, "end": end, "text": texts[nid][start:end]})
        day = case.service_date or _dt.date.today()
        leaf = find_leaf(payer, criterion_id, day) if payer and criterion_id else None
        if criterion_id and payer and leaf is None:
            raise InputError(f"{criterion_id[:80]!r} is not a criterion of {payer}'s policy in force on {day}")
        got, bound = decided_value(key, verdict, leaf, value)
        row = Decision(case_id=case.id, key=key, verdict=verdict, value={"value": got, "bound": bound}, payer=payer,
                       criterion_id=criterion_id, reason=(reason or "")[:4000], spans=clean, reviewer=reviewer[:200])
        session.add(row)
        if _latest_state(session, case.id) == "new":
            session.add(ReviewState(case_id=case.id, state="in_review", reviewer=reviewer[:200]))
        session.flush()
        return _decision_dict(row)


def set_state(engine: Engine, patient_id: str, state: str, reviewer: str) -> None:
    if state not in REVIEW_STATES:
        raise InputError(f"review state must be one of {', '.join(REVIEW_STATES)}")
    if not (reviewer or "").strip():
        raise InputError("a review state needs a reviewer name")
    with Session(engine) as session, session.begin():
        case = _get_case(session, patient_id)
        session.add(ReviewState(case_id=case.id, state=state, reviewer=reviewer.strip()[:200]))


def patient_ids(engine: Engine, state: str | None = None) -> list[str]:
    return [row["patient_id"] for row in worklist(engine, state=state)]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, _dt.date) else value


def gold_case(view: CaseView) -> tuple[dict[str, Any], dict[str, str]]:
    """(case.yaml content, note_id -> text) for one reviewed case.

    Case findings: the screener's findings with the reviewer's decisions applied (a finding
    a reviewer did not change stands as confirmed); a value known only as a bound is
    not a finding (gold has no bounds) but is named in the description. Note
    findings: the notes its evidence points into. ``evidence``: the quoted spans per key,
    so a reviewer's chosen sentence can score the "where to look" suggestions."""
    findings: dict[str, Any] = {}
    only_bounds: list[str] = []
    note_findings: dict[str, dict[str, Any]] = {nid: {} for nid in view.notes}
    note_evidence: dict[str, dict[str, list[str]]] = {nid: {} for nid in view.notes}
    for key, item in sorted(view.reviewed.items()):
        value = item.get("value") if isinstance(item, Mapping) else item
        if value is None:
            continue
        if item.get("bound"):
            only_bounds.append(f"{key} {item['bound']} {value:g}")
            continue
        findings[key] = value
        for ev in item.get("evidence") or []:
            nid = ev.get("note_id")
            if nid in note_findings:
                note_findings[nid][key] = value
                if item.get("source") == "reviewer":
                    quotes = note_evidence[nid].setdefault(key, [])
                    if ev.get("text") and ev["text"] not in quotes:
                        quotes.append(ev["text"])
    notes_yaml = []
    for nid, note in view.notes.items():
        entry: dict[str, Any] = {"note_id": nid}
        if note.note_date:
            entry["note_date"] = _plain(note.note_date)
        if view.kinds.get(nid):
            entry["kind"] = view.kinds[nid]
        entry["findings"] = note_findings[nid]
        if note_evidence[nid]:
            entry["evidence"] = note_evidence[nid]
        notes_yaml.append(entry)
    case = {
        "patient_id": view.patient_id,
        "service_date": view.record.get("service_date"),
        "description": f"exported from the worklist: {len(view.in_force)} reviewer decision(s)"
                       + (f"; known only as bounds, not exported as findings: {', '.join(only_bounds)}" if only_bounds else ""),
        "notes": notes_yaml,
        "findings": findings,
        "determinations": {p: d["status"] for p, d in view.reviewer_determinations.items()},
    }
    if view.record.get("request_type"):
        case["request_type"] = view.record["request_type"]
    return case, {nid: n.text for nid, n in view.notes.items()}


def export_gold(engine: Engine, out_dir: Path | str, *, state: str | None = "done") -> list[str]:
    """Write the cases in review ``state`` (default ``done``; ``None``: all) as a gold folder.
    Written to a temporary folder beside ``out_dir`` and renamed: a crash leaves no half folder."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out}: folder exists and is not empty")
    ids = patient_ids(engine, state)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for pid in ids:
            case, texts = gold_case(case_view(engine, pid))
            folder = tmp / _safe_name(pid)
            folder.mkdir()
            for nid, text in texts.items():
                (folder / f"{_safe_name(nid)}.txt").write_text(text, encoding="utf-8")
                if _safe_name(nid) != nid:
                    next(n for n in case["notes"] if n["note_id"] == nid)["file"] = f"{_safe_name(nid)}.txt"
            (folder / "case.yaml").write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True), encoding="utf-8")
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ids


def _safe_name(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120].strip(".") or "case"
