"""Record shapes by detail level (``--detail summary|standard|full``; docs/bulk.md, "Record shapes").

A case record as the pipeline builds it (``screener.pipeline.screen_case``) repeats each
evidence span in ``findings``, ``mentions``, every payer's ``criteria`` and again in its
``trace``: about 140 KB per case. What is written is one of three shapes, each with
``schema: "screener.case/2"`` and its ``detail``:

- ``standard`` (the default): every evidence span once, in the case's ``evidence`` table
  (``id``, ``note_id``, ``start``, ``end``, ``text``, ``section``, ``rule_id``, ``key``,
  ``value``, ``note_date`` and the assertion ``flags``); ``findings`` refer to it by id
  (``evidence`` and ``superseded``); each payer's determination keeps ``status``, policy,
  branch, ``missing``, ``failed`` and ``reasons``. The criteria checklist and the trace are
  not stored: they are a function of the findings and the policy version, and
  ``expand(record)`` recomputes them with the same engine (``rules_version`` says which rule
  files wrote the record; ``expand`` notes a difference in ``warnings``).
- ``summary``: one entry per payer (``status``, ``missing``, ``failed``) and the case's
  request type, indication and dates: for dashboards.
- ``full``: ``standard`` plus every mention (negated and conditional ones too) and each
  payer's ``criteria`` and ``trace`` as computed (policy words included), evidence by id.

``expand(record)`` turns any shape back into the in-memory shape the report, the app, FHIR
output and the flat rows read; a record without ``schema`` is a version-1 record (the
in-memory shape itself) and is read as it is; a record of an unknown version is refused
with an ``InputError`` that names it. Error rows (``status: "error"`` with ``error``) are
the contract's and have one shape at every level.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..errors import InputError

SCHEMA_NAME = "screener.case"
SCHEMA_VERSION = 2
SCHEMA = f"{SCHEMA_NAME}/{SCHEMA_VERSION}"
DETAILS = ("summary", "standard", "full")
DEFAULT_DETAIL = "standard"
FLAGS = ("negated", "historical", "hypothetical", "family", "uncertain")
_CASE_FIELDS = ("patient_id", "status", "request_type", "indication", "service_date", "note_ids")
_DET_FIELDS = ("status", "policy", "payer", "policy_id", "source", "service_date", "branch", "refer_to")


@lru_cache(maxsize=1)
def rules_version() -> str:
    """A short hash of every rule file (extraction and payers): which rules wrote a record."""
    from ..paths import rules_dir

    digest = hashlib.sha256()
    root = rules_dir()
    for path in sorted(p for p in root.rglob("*.yaml") if not p.name.endswith(".cases.yaml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def is_error_row(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "error" and "determinations" not in record and "findings" not in record


class _Table:
    """The case's evidence table: one row per distinct span (key, note, offsets, rule, value),
    stored by column; a row's id is its position (``standard`` drops the ``key`` column: a
    row's key is that of the finding citing it). ``note`` indexes the record's ``note_ids``
    (the note's date is in ``note_dates``); ``flags`` is a bit set of ``FLAGS`` (1 = negated,
    2 = historical, 4 = hypothetical, 8 = family, 16 = uncertain); ``bound`` (only when a row
    has one) is ``>=``, ``>``, ``<=`` or ``<`` for a number the note gives as a bound."""

    COLUMNS = ("note", "start", "end", "text", "section", "rule_id", "key", "value", "flags", "bound")

    def __init__(self, note_ids: list[str]) -> None:
        self.columns: dict[str, list[Any]] = {c: [] for c in self.COLUMNS}
        self.index: dict[tuple, int] = {}
        self.notes = {nid: i for i, nid in enumerate(note_ids)}
        self.note_ids = list(note_ids)
        self.note_dates: dict[int, Any] = {}

    def add(self, ev: Mapping[str, Any]) -> int:
        mark = (ev.get("key"), ev.get("note_id"), ev.get("start"), ev.get("end"), ev.get("rule_id"), repr(ev.get("value")))
        found = self.index.get(mark)
        if found is None:
            found = self.index[mark] = len(self.columns["start"])
            note = self.notes.get(ev.get("note_id"))
            if note is None:
                note = self.notes[ev.get("note_id")] = len(self.note_ids)
                self.note_ids.append(ev.get("note_id"))
            self.note_dates.setdefault(note, ev.get("note_date"))
            flags = sum(1 << i for i, f in enumerate(FLAGS) if ev.get(f))
            for column, value in zip(self.COLUMNS, (note, ev.get("start"), ev.get("end"), ev.get("text"), ev.get("section"),
                                                    ev.get("rule_id"), ev.get("key"), ev.get("value"), flags,
                                                    ev.get("bound"))):
                self.columns[column].append(value)
        return found

    def ids(self, evidence: Iterable[Mapping[str, Any]]) -> list[int]:
        return [self.add(ev) for ev in evidence or ()]

    def dates(self) -> list[Any]:
        return [self.note_dates.get(i) for i in range(len(self.note_ids))]


def _with_evidence(node: Mapping[str, Any], convert) -> dict[str, Any]:
    """A trace node (and its children) with ``convert`` applied to every ``evidence`` list:
    evidence dicts to table ids when writing, ids back to dicts when reading."""
    out = {k: v for k, v in node.items() if k not in ("evidence", "children")}
    if "evidence" in node:
        out["evidence"] = convert(node["evidence"])
    if node.get("children"):
        out["children"] = [_with_evidence(c, convert) for c in node["children"]]
    return out


def _determination_with_evidence(det: Mapping[str, Any], convert) -> dict[str, Any]:
    """A full determination with ``convert`` applied to the evidence of its criteria and trace."""
    out = {k: v for k, v in det.items() if k not in ("criteria", "trace")}
    out["criteria"] = [_with_evidence(c, convert) for c in det.get("criteria") or ()]
    trace = det.get("trace") or {}
    out["trace"] = {"scope": [_with_evidence(g, convert) for g in trace.get("scope") or ()]}
    if trace.get("branch"):
        out["trace"]["branch"] = _with_evidence(trace["branch"], convert)
    return out


def shape(record: Mapping[str, Any], detail: str = DEFAULT_DETAIL) -> dict[str, Any]:
    """The record to write at ``detail`` (``summary`` | ``standard`` | ``full``) from the
    pipeline's in-memory record. Error rows are returned as they are."""
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}; use one of {', '.join(DETAILS)}")
    if is_error_row(record) or record.get("schema"):
        return dict(record)
    out: dict[str, Any] = {"schema": SCHEMA, "detail": detail}
    out.update({k: v for k, v in record.items() if k.startswith("_")})  # a custom screen function's own keys
    dets = record.get("determinations") or {}
    if detail == "summary":
        for key in ("patient_id", "status", "request_type", "indication", "service_date", "error"):
            if record.get(key) is not None:
                out[key] = record[key]
        out["determinations"] = {p: {k: d[k] for k in ("status", "missing", "failed") if d.get(k)} for p, d in dets.items()}
        return out
    out["rules_version"] = rules_version()
    for key in _CASE_FIELDS:
        if key in record:
            out[key] = record[key]
    for key in ("error", "warnings", "note_errors"):
        if record.get(key):
            out[key] = record[key]
    table = _Table(list(record.get("note_ids") or ()))
    findings = {}
    for key, finding in (record.get("findings") or {}).items():
        item = {"value": finding.get("value"), "evidence": table.ids(finding.get("evidence"))}
        if finding.get("source") not in (None, "notes"):
            item["source"] = finding["source"]
        if finding.get("superseded"):
            item["superseded"] = table.ids(finding["superseded"])
        if finding.get("bound"):
            item["bound"] = finding["bound"]
        findings[key] = item
    determinations = {}
    for payer, det in dets.items():
        if detail == "full":
            item = _determination_with_evidence(det, table.ids)
        else:  # the rest is recomputed from the findings by expand()
            item = {k: det[k] for k in ("status", "policy_id", "branch") if det.get(k) is not None}
            for k in ("missing", "failed"):
                if det.get(k):
                    item[k] = list(det[k])
        determinations[payer] = item
    if detail == "full":
        out["mentions"] = table.ids(record.get("mentions") or ())
    out["findings"] = findings
    out["determinations"] = determinations
    if table.note_ids != list(record.get("note_ids") or ()):
        out["evidence_note_ids"] = table.note_ids
    out["note_dates"] = table.dates()
    columns = dict(table.columns)
    if detail == "standard":  # every row belongs to the finding that cites it
        del columns["key"]
    if not any(columns["bound"]):  # ">=" / "<" ...: only numbers the notes give as a bound
        del columns["bound"]
    out["evidence"] = columns
    return out


# --------------------------------------------------------------------------- reading


def version_of(record: Mapping[str, Any]) -> int:
    """1 for a record without ``schema`` (written before record shapes), else its version;
    an ``InputError`` naming it for a schema this code does not read."""
    schema = record.get("schema")
    if schema is None:
        return 1
    name, _, version = str(schema).partition("/")
    if name != SCHEMA_NAME or not version.isdigit() or int(version) > SCHEMA_VERSION or int(version) < 2:
        raise InputError(f"record of patient {record.get('patient_id')!r} has schema {schema!r}; this screener "
                         f"reads {SCHEMA_NAME}/1 (no schema field) and {SCHEMA}")
    return int(version)


def _rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The evidence table of a version-2 record as evidence dicts, by id (a ``standard``
    table has no ``key`` column: a row's key is that of the finding citing it)."""
    table = dict(record.get("evidence") or {})
    if "key" not in table:
        keys: dict[int, str] = {}
        for key, finding in (record.get("findings") or {}).items():
            for i in (*(finding.get("evidence") or ()), *(finding.get("superseded") or ())):
                keys.setdefault(i, key)
        table["key"] = [keys.get(i) for i in range(len(table.get("start") or ()))]
    note_ids = list(record.get("evidence_note_ids") or record.get("note_ids") or ())
    dates = list(record.get("note_dates") or ())
    rows = []
    for i in range(len(table.get("start") or ())):
        note = table["note"][i]
        flags = table["flags"][i] or 0
        ev = {"key": table["key"][i], "value": table["value"][i], "note_id": note_ids[note] if note < len(note_ids) else None,
              "start": table["start"][i], "end": table["end"][i], "text": table["text"][i],
              "section": table["section"][i], "rule_id": table["rule_id"][i]}
        ev.update({f: bool(flags & (1 << b)) for b, f in enumerate(FLAGS)})
        ev["note_date"] = dates[note] if note < len(dates) else None
        if table.get("bound") and table["bound"][i]:
            ev["bound"] = table["bound"][i]
        rows.append(ev)
    return rows


def expand(record: Mapping[str, Any]) -> dict[str, Any]:
    """Any record shape -> the in-memory shape (findings with evidence dicts, each payer's
    ``criteria`` and ``trace``). A ``standard`` record's criteria and trace are recomputed
    from its findings by the criteria engine; a ``summary`` record has none (its
    determinations hold status, missing and failed only)."""
    if is_error_row(record) or version_of(record) == 1:
        return dict(record)
    out = {k: v for k, v in record.items() if k not in ("schema", "detail", "rules_version", "evidence", "findings",
                                                          "determinations", "mentions", "note_dates", "evidence_note_ids")}
    rows = _rows(record)
    evs = lambda ids: [rows[i] for i in ids or () if 0 <= i < len(rows)]  # noqa: E731
    findings = {key: {"value": f.get("value"), "source": f.get("source", "notes"), "evidence": evs(f.get("evidence")),
                      "superseded": evs(f.get("superseded"))} for key, f in (record.get("findings") or {}).items()}
    for key, f in (record.get("findings") or {}).items():
        if f.get("bound"):
            findings[key]["bound"] = f["bound"]
    out["findings"] = findings
    out["mentions"] = evs(record.get("mentions")) if "mentions" in record else []
    out.setdefault("note_errors", [])
    stored = record.get("determinations") or {}
    detail = record.get("detail")
    if detail == "summary" or not stored:
        out["determinations"] = {p: {"status": d.get("status"), "payer": p, "policy_id": d.get("policy_id"),
                                     "branch": d.get("branch"), "missing": d.get("missing") or [],
                                     "failed": d.get("failed") or [], "reasons": d.get("reasons") or [],
                                     "criteria": [], "trace": {}}
                                 for p, d in stored.items()}
        out.setdefault("note_ids", [])
        return out
    if detail == "full":
        out["determinations"] = {payer: _determination_with_evidence(det, evs) for payer, det in stored.items()}
        return out
    from ..criteria import determine

    recomputed = determine(findings, list(stored), record.get("service_date"))
    determinations = {}
    drift = []
    for payer, det in stored.items():
        full = dict(recomputed.get(payer) or {})
        if (full.get("status"), full.get("policy_id"), full.get("missing") or [], full.get("failed") or []) != \
                (det.get("status"), det.get("policy_id"), det.get("missing") or [], det.get("failed") or []):
            drift.append(payer)
            full.update({k: det.get(k) for k in ("status", "policy_id", "branch")})
            full.update({k: list(det.get(k) or ()) for k in ("missing", "failed")})
        determinations[payer] = full
    out["determinations"] = determinations
    if drift:
        out["warnings"] = list(out.get("warnings") or ()) + [
            f"W204 record written with rules {record.get('rules_version')}, read with {rules_version()}: the criteria "
            f"shown for {', '.join(drift)} are recomputed with today's rules and do not match the stored status"]
    return out
