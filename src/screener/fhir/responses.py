"""A case record as a FHIR R4 Bundle: one pre-populated QuestionnaireResponse per payer,
with its evidence, a Provenance each and the determination (``screener screen ...
--format fhir``; docs/fhir.md, "Answers").

Per payer, the QuestionnaireResponse answers the payer's Questionnaire
(``screener.fhir.questionnaire``) from the determination's trace:

- ``case.indication`` / ``case.request_type`` from the case's findings;
- every leaf of the scope gates and of the chosen branch whose finding is documented gets
  its value as the answer (``valueBoolean`` / ``valueDecimal`` / ``valueCoding``); a finding
  that is not documented is left unanswered, exactly as the three-valued engine reads it (an
  absent contraindication is unanswered; its criterion is still ``met``);
- each answer carries one ``evidence`` extension per span: the DocumentReference, the
  character offsets ``start`` / ``end`` into its text, the quoted text, the extraction rule
  and the section;
- every item of the branch carries the criterion's result (``met`` / ``not_met`` /
  ``missing`` / ``not_evaluated``) in the ``criterion-result`` extension;
- the ``determination`` extension holds the status, policy, branch, missing findings,
  failed criteria and reasons. ``status`` is ``in-progress``: pre-populated answers wait
  for a reviewer.

A Provenance per QuestionnaireResponse: ``target`` the response, ``agent`` the screener (a
Device with its version), ``entity`` every DocumentReference of the case (role
``source``), ``policy`` the Questionnaire's canonical and every extraction rule behind an
answer (``urn:screener:rule:<id>``) and every criterion id (``urn:screener:criterion:<id>``).

An error row (a note that could not be read) becomes a Bundle holding one
OperationOutcome; warnings of a case record are an OperationOutcome in its Bundle.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ..criteria.schema import Policy, load_policies
from ..vocabulary import vocabulary
from .documents import (
    CANONICAL_BASE,
    NOTE_ID_SYSTEM,
    NOTE_RESOURCE,
    PATIENT_ID_SYSTEM,
    full_url,
    reference,
)
from .questionnaire import (
    INDICATION_LINK,
    REQUEST_LINK,
    Slot,
    canonical,
    layout,
    value_system,
    walk_items,
)

EXT_EVIDENCE = f"{CANONICAL_BASE}/StructureDefinition/evidence"
EXT_RESULT = f"{CANONICAL_BASE}/StructureDefinition/criterion-result"
EXT_DETERMINATION = f"{CANONICAL_BASE}/StructureDefinition/determination"
EXT_COMPARATOR = f"{CANONICAL_BASE}/StructureDefinition/comparator"  # the number is only a bound
ERROR_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/screener-error"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


def _policy(payer: str, policy_id: str | None) -> Policy | None:
    for policy in load_policies().get(payer, ()):
        if policy.policy_id == policy_id:
            return policy
    return None


def _note_ref(note_id: str) -> dict[str, Any]:
    return reference(NOTE_RESOURCE, note_id, NOTE_ID_SYSTEM)


def _evidence(ev: Mapping[str, Any]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "document", "valueReference": _note_ref(str(ev["note_id"]))},
        {"url": "start", "valueInteger": int(ev["start"])},
        {"url": "end", "valueInteger": int(ev["end"])},
        {"url": "text", "valueString": ev.get("text") or ""},
    ]
    if ev.get("rule_id"):
        parts.append({"url": "rule", "valueString": ev["rule_id"]})
    if ev.get("section"):
        parts.append({"url": "section", "valueString": ev["section"]})
    return {"url": EXT_EVIDENCE, "extension": parts}


def _answer(key: str, value: Any, evidence: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    spec = vocabulary().get(key)
    if spec is None or value is None:
        return None
    if spec.type == "bool":
        if not isinstance(value, bool):
            return None
        answer: dict[str, Any] = {"valueBoolean": value}
    elif spec.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        answer = {"valueDecimal": float(value)}
    else:
        if value not in spec.values:
            return None
        answer = {"valueCoding": {"system": value_system(key), "code": value}}
    if evidence:
        answer["extension"] = [_evidence(ev) for ev in evidence if ev.get("note_id") is not None]
        bounds = {ev.get("bound") for ev in evidence}
        if spec.type == "number" and len(bounds) == 1 and None not in bounds:  # "3 months or more"
            answer["extension"].insert(0, {"url": EXT_COMPARATOR, "valueCode": bounds.pop()})
    return answer


def _result(result: str | None) -> list[dict[str, Any]]:
    return [{"url": EXT_RESULT, "valueCode": result}] if result else []


class _Answers:
    """Builds QuestionnaireResponse items from a trace, collecting the criterion ids met on the way."""

    def __init__(self) -> None:
        self.criteria: dict[str, None] = {}

    def item(self, slot: Slot, trace: Mapping[str, Any]) -> dict[str, Any] | None:
        self.criteria[trace.get("id", slot.link_id)] = None
        kind = trace.get("kind")
        if kind in ("unevaluable", "outcome"):
            return None  # display items are not answered
        item: dict[str, Any] = {"linkId": slot.link_id}
        ext = _result(trace.get("result"))
        if kind == "leaf":
            answer = _answer(trace["finding"], trace.get("documented"), trace.get("evidence") or [])
            if answer is None:
                return None  # not documented: unanswered
            if ext:
                item["extension"] = ext
            item["answer"] = [answer]
            return item
        children = trace.get("children") or []
        if len(children) != len(slot.children):  # pragma: no cover - trace and layout come from one tree
            raise ValueError(f"trace of {trace.get('id')} does not match the Questionnaire item {slot.link_id}")
        inner = [x for x in (self.item(s, t) for s, t in zip(slot.children, children)) if x is not None]
        if ext:
            item["extension"] = ext
        if inner:
            item["item"] = inner
        elif not ext:
            return None
        return item


def _determination(det: Mapping[str, Any]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": "status", "valueCode": det.get("status") or "insufficient_documentation"}]
    for key, url in (("policy", "policy"), ("branch", "branch"), ("refer_to", "referTo"), ("service_date", "serviceDate")):
        if det.get(key):
            parts.append({"url": url, ("valueDate" if key == "service_date" else "valueString"): det[key]})
    parts += [{"url": "missing", "valueCode": k} for k in det.get("missing") or ()]
    parts += [{"url": "failed", "valueString": k} for k in det.get("failed") or ()]
    parts += [{"url": "reason", "valueString": r} for r in det.get("reasons") or ()]
    return {"url": EXT_DETERMINATION, "extension": parts}


def _findings_answer(record: Mapping[str, Any], key: str, link: str) -> dict[str, Any] | None:
    finding = (record.get("findings") or {}).get(key)
    value = record.get(key)
    evidence = []
    if isinstance(finding, Mapping):
        evidence = finding.get("evidence") or []
        value = finding.get("value", value)
    elif finding is not None:
        value = finding
    answer = _answer(key, value, evidence)
    return {"linkId": link, "answer": [answer]} if answer else None


def questionnaire_response(record: Mapping[str, Any], payer: str, det: Mapping[str, Any], authored: str,
                           device_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(QuestionnaireResponse, its Provenance) for one payer's determination of a case."""
    patient_id = str(record["patient_id"])
    qr_url = full_url("QuestionnaireResponse", patient_id, payer)
    qr: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": qr_url.rsplit(":", 1)[1],
        "extension": [_determination(det)],
        "status": "in-progress",
        "subject": reference("Patient", patient_id, PATIENT_ID_SYSTEM),
        "authored": authored,
        "author": {"reference": device_url},
    }
    answers = _Answers()
    policy = _policy(payer, det.get("policy_id"))
    items: list[dict[str, Any]] = []
    if policy is not None:
        qr["questionnaire"] = canonical(policy)
        shape = layout(policy)
        case_items = [x for x in (_findings_answer(record, "indication", INDICATION_LINK),
                                  _findings_answer(record, "request_type", REQUEST_LINK)) if x]
        if case_items:
            items.append({"linkId": "case", "item": case_items})
        trace = det.get("trace") or {}
        gates = [x for x in (answers.item(s, t) for s, t in zip(shape.gates, trace.get("scope") or ())) if x]
        if gates:
            items.append({"linkId": "scope", "item": gates})
        branch = trace.get("branch")
        cell = tuple((det.get("branch") or "").split("/"))
        if branch and cell in shape.branches and branch.get("kind") != "outcome":
            top = answers.item(shape.branches[cell], branch)
            if top is not None:
                items.append(top)
    if items:
        qr["item"] = items
    note_ids = list(dict.fromkeys(str(n) for n in record.get("note_ids") or ()))
    rules = dict.fromkeys(part["valueString"] for item in walk_items(items) for answer in item.get("answer", ())
                          for ext in answer.get("extension", ()) if ext["url"] == EXT_EVIDENCE
                          for part in ext["extension"] if part["url"] == "rule")
    policies = ([canonical(policy)] if policy is not None else []) + \
        [f"urn:screener:rule:{r}" for r in rules] + [f"urn:screener:criterion:{c}" for c in answers.criteria]
    provenance: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": full_url("Provenance", patient_id, payer).rsplit(":", 1)[1],
        "target": [{"reference": qr_url}],
        "recorded": authored,
        "activity": {"text": "pre-populated from the case's notes by the screener"},
        "agent": [{"type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "assembler"}]},
                   "who": {"reference": device_url}}],
    }
    if policies:
        provenance["policy"] = policies
    if note_ids:
        provenance["entity"] = [{"role": "source", "what": _note_ref(n)} for n in note_ids]
    return qr, provenance


def _device(version: str) -> tuple[str, dict[str, Any]]:
    url = full_url("Device", "screener", version)
    return url, {"resourceType": "Device", "id": url.rsplit(":", 1)[1],
                 "deviceName": [{"name": "screener", "type": "model-name"}],
                 "version": [{"value": version}]}


def _outcome(issues: list[tuple[str, str, str]]) -> dict[str, Any]:
    """OperationOutcome from (severity, code E2xx/W2xx, one-line reason) triples."""
    return {"resourceType": "OperationOutcome", "issue": [
        {"severity": severity, "code": "processing" if severity == "error" else "informational",
         "details": {"coding": [{"system": ERROR_SYSTEM, "code": code}] if code else [], "text": text}}
        for severity, code, text in issues]}


def _coded(line: str) -> tuple[str, str]:
    head, _, rest = str(line).partition(" ")
    if len(head) == 4 and head[0] in "EW" and head[1:].isdigit():
        return head, line
    return "", line


def record_bundle(record: Mapping[str, Any], *, authored: str | None = None) -> dict[str, Any]:
    """One output record (a case record or an error row) -> a FHIR ``collection`` Bundle."""
    from .. import __version__

    authored = authored or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    patient_id = str(record.get("patient_id") or "")
    entries: list[dict[str, Any]] = []
    if record.get("status") == "error":
        code, text = _coded(record.get("error") or "error")
        where = ", ".join(f"{k} {record[k]}" for k in ("patient_id", "note_id", "source") if record.get(k))
        outcome = _outcome([("error", code, f"{text} ({where})" if where else text)])
        entries.append({"fullUrl": full_url("OperationOutcome", patient_id, str(record.get("note_id")),
                                            str(record.get("source"))), "resource": outcome})
    else:
        device_url, device = _device(__version__)
        entries.append({"fullUrl": device_url, "resource": device})
        for payer, det in (record.get("determinations") or {}).items():
            qr, provenance = questionnaire_response(record, payer, det, authored, device_url)
            entries.append({"fullUrl": f"urn:uuid:{qr['id']}", "resource": qr})
            entries.append({"fullUrl": f"urn:uuid:{provenance['id']}", "resource": provenance})
        issues = [("warning", *_coded(w)) for w in record.get("warnings") or ()]
        issues += [("error", *_coded(e.get("error") if isinstance(e, Mapping) else e))
                   for e in record.get("note_errors") or ()]
        if issues:
            entries.append({"fullUrl": full_url("OperationOutcome", patient_id), "resource": _outcome(issues)})
    return {"resourceType": "Bundle", "id": full_url("Bundle", patient_id, str(record.get("note_id"))).rsplit(":", 1)[1],
            "type": "collection", "timestamp": authored, "entry": entries}
