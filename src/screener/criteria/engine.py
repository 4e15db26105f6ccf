"""The criteria engine: evaluates a payer's policy tree on a case's findings.

Pure: no spaCy, no pandas. Three-valued (contract.md, "Determination statuses"):

- a leaf is ``met`` / ``not_met`` when its finding is documented, ``missing`` when not
  (or when the notes give the number only as a bound that the threshold splits: "life
  expectancy 3 months or more" against "> 3 months"),
  except absence criteria (every ``contraindications`` key of findings.yaml, and leaves
  marked ``assume_absent``): not documented = ``met`` with the note "not documented,
  assumed absent";
- ``all``: any child ``not_met`` -> ``not_met``; else any ``missing`` -> ``missing``; else ``met``;
- ``any``: any child ``met`` -> ``met``; all ``not_met`` -> ``not_met``; else ``missing``;
- ``not`` swaps ``met`` and ``not_met``;
- a node marked ``evaluable: false`` is ``not_evaluated`` and is left out of its parent's
  verdict (it neither meets nor blocks; the trace names it for the reviewer).

Status precedence: ``not_addressed`` > ``external_criteria`` > ``does_not_meet`` >
``insufficient_documentation`` > ``meets_criteria``.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import INDICATIONS, REQUEST_TYPES, Finding
from ..vocabulary import vocabulary
from .ops import OPS, coerce
from .schema import PAYERS, Node, Outcome, Policy, UnknownPayerError, policy_for
from .thresholds import judged

MET, NOT_MET, MISSING, NOT_EVALUATED = "met", "not_met", "missing", "not_evaluated"
ASSUMED_ABSENT = "not documented, assumed absent"
STATUS_OF_ROOT = {MET: "meets_criteria", NOT_MET: "does_not_meet", MISSING: "insufficient_documentation",
                  NOT_EVALUATED: "insufficient_documentation"}


@dataclass(frozen=True)
class Fact:
    """One documented finding as the engine sees it: its value and evidence dicts."""

    value: Any
    evidence: tuple[dict[str, Any], ...] = ()
    bound: str | None = None  # ">=", ">", "<=", "<": the value is only a bound


@dataclass(frozen=True)
class Result:
    """A node's verdict with what it used (leaf) or its children's results."""

    node: Node
    result: str
    note: str = ""
    documented: Any = None
    evidence: tuple[dict[str, Any], ...] = ()
    children: tuple[Result, ...] = ()


def facts_from(findings: Mapping[str, Any]) -> dict[str, Fact]:
    """Findings (``Finding``, a ``{"value", "evidence"}`` dict, or a plain value) -> facts.
    ``None`` values are dropped: not documented."""
    facts: dict[str, Fact] = {}
    for key, item in findings.items():
        bound = None
        if isinstance(item, Finding):
            value, evidence, bound = item.value, tuple(e.to_dict() for e in item.evidence), item.bound
        elif isinstance(item, Mapping) and "value" in item:
            value, evidence, bound = item["value"], tuple(item.get("evidence") or ()), item.get("bound")
        else:
            value, evidence = item, ()
        if value is not None:
            facts[key] = Fact(value, evidence, bound)
    return facts


def evaluate(node: Node, facts: Mapping[str, Fact]) -> Result:
    """Evaluate ``node`` and its subtree; every node gets a result (none short-circuits)."""
    if node.kind == "unevaluable":
        return Result(node, NOT_EVALUATED, note=f"not evaluated: {node.reason}")
    if node.kind == "leaf":
        return _leaf(node, facts)
    children = tuple(evaluate(child, facts) for child in node.children)
    verdicts = [c.result for c in children if c.result != NOT_EVALUATED]
    if not verdicts:
        result = NOT_EVALUATED
    elif node.kind == "not":
        result = {MET: NOT_MET, NOT_MET: MET}.get(verdicts[0], verdicts[0])
    elif node.kind == "all":
        result = NOT_MET if NOT_MET in verdicts else MISSING if MISSING in verdicts else MET
    else:  # any
        result = MET if MET in verdicts else NOT_MET if all(v == NOT_MET for v in verdicts) else MISSING
    return Result(node, result, children=children)


def _leaf(node: Node, facts: Mapping[str, Fact]) -> Result:
    fact = facts.get(node.finding)
    if fact is None:
        if node.assume_absent:
            return Result(node, MET, note=ASSUMED_ABSENT)
        return Result(node, MISSING, note="not documented")
    kind = vocabulary()[node.finding].type
    ok, value = coerce(kind, fact.value)
    if not ok:
        return Result(node, MISSING, note=f"documented value is not a {kind}", documented=fact.value,
                      evidence=fact.evidence)
    if fact.bound and kind == "number" and OPS[node.op].takes_value and node.op != "in":
        passed = judged(OPS[node.op].func, node.value, fact.bound, value)
        if passed is None:  # "3 months or more" against "> 3 months": open
            return Result(node, MISSING, note=f"documented only as {fact.bound} {value:g}", documented=value,
                          evidence=fact.evidence)
    else:
        passed = OPS[node.op].func(value, node.value)
    return Result(node, MET if passed else NOT_MET, documented=value, evidence=fact.evidence)


# --------------------------------------------------------------------------- what a result says


def explaining(res: Result, want: str) -> list[Result]:
    """The leaf results with verdict ``want`` (``not_met`` or ``missing``) that explain
    ``res``: met subtrees are skipped (so are the other options of a met ``any``), and a
    ``not_met`` verdict is explained only through ``not_met`` children."""
    if res.result in (MET, NOT_EVALUATED) or (want == NOT_MET and res.result != NOT_MET):
        return []
    if res.node.kind == "leaf" or (res.node.kind == "not" and want == NOT_MET):
        return [res] if res.result == want else []
    return [leaf for child in res.children for leaf in explaining(child, want)]


def missing_keys(res: Result) -> list[str]:
    """Finding keys whose absence keeps the verdict open, in tree order, once each."""
    return list(dict.fromkeys(r.node.finding for r in explaining(res, MISSING)))


def failed_ids(res: Result) -> list[str]:
    """The most specific criteria that make ``res`` ``not_met``."""
    return [r.node.id for r in explaining(res, NOT_MET)]


def _fmt(key: str, value: Any) -> str:
    spec = vocabulary()[key]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    unit = spec.unit or ""
    if unit == "percent":
        return f"{value}%"
    if unit in ("", "0-10"):
        return f"{value}"
    return f"{value} {unit}"


def reason(res: Result) -> str:
    """One line, in the policy's words, on why a leaf failed or is missing."""
    node = res.node
    label = node.label or node.text
    if res.result == MISSING:
        return f"{label}: not documented" if res.documented is None else f"{label}: {res.note}"
    if node.kind == "not":
        return f"{label}: not met"
    if node.op == "is_true":
        return f"{label}: documented as not done, pending or negative"
    if node.op == "is_false":
        return f"{label}: documented as present"
    documented = _fmt(node.finding, res.documented)
    required = _fmt(node.finding, node.value)
    if node.op == ">=":
        return f"{label} {documented} < {required} required"
    return f"{label} {documented}, {OPS[node.op].words} {required} required"


def _walk(res: Result):
    yield res
    for child in res.children:
        yield from _walk(child)


def trace(res: Result) -> dict[str, Any]:
    """The nested, JSON-serialisable trace of a result (every node, failed and missing too)."""
    node = res.node
    out: dict[str, Any] = {"id": node.id, "kind": node.kind, "text": node.text, "cite": node.cite,
                           "result": res.result}
    if res.note:
        out["note"] = res.note
    if node.interpretation:
        out["interpretation"] = node.interpretation
    if node.kind == "leaf":
        out.update(finding=node.finding, op=node.op, value=node.value, documented=res.documented,
                   assume_absent=node.assume_absent, evidence=list(res.evidence))
    if node.kind == "unevaluable":
        out["reason"] = node.reason
    if res.children:
        out["children"] = [trace(child) for child in res.children]
    return out


def flatten(res: Result, depth: int = 0) -> list[dict[str, Any]]:
    """The determination's flat ``criteria`` list: every node, pre-order, with the finding
    keys and evidence of its subtree."""
    rows: list[dict[str, Any]] = []
    _flatten(res, depth, rows)
    return rows


def _flatten(res: Result, depth: int, rows: list[dict[str, Any]]) -> tuple[list[str], dict[tuple, dict[str, Any]]]:
    """Append the rows of ``res``'s subtree to ``rows`` (pre-order) and return its finding
    keys and evidence, built bottom-up: a node's keys and evidence are its leaves' in
    pre-order, each once (evidence by key, note and offsets)."""
    node = res.node
    row: dict[str, Any] = {"id": node.id, "text": node.text, "cite": node.cite, "result": res.result,
                           "findings": None, "evidence": None, "note": res.note, "kind": node.kind,
                           "depth": depth}  # findings and evidence are filled in below
    rows.append(row)
    evidence: dict[tuple, dict[str, Any]] = {}
    if node.kind == "leaf":
        keys = [node.finding]
        for ev in res.evidence:
            evidence.setdefault((ev.get("key"), ev.get("note_id"), ev.get("start"), ev.get("end")), ev)
        row.update(op=node.op, value=node.value, documented=res.documented)
    else:
        found: dict[str, None] = {}
        for child in res.children:
            child_keys, child_evidence = _flatten(child, depth + 1, rows)
            found.update(dict.fromkeys(child_keys))
            if not evidence:
                evidence = dict(child_evidence)
            else:
                for mark, ev in child_evidence.items():
                    evidence.setdefault(mark, ev)
        keys = list(found)
    row["findings"], row["evidence"] = keys, list(evidence.values())
    return keys, evidence


# --------------------------------------------------------------------------- determinations


def _enum(facts: Mapping[str, Fact], key: str, allowed: Sequence[str]) -> str | None:
    fact = facts.get(key)
    return fact.value if fact is not None and fact.value in allowed else None


def _day(service_date: Any) -> _dt.date:
    if service_date is None:
        return _dt.date.today()
    if isinstance(service_date, _dt.datetime):
        return service_date.date()
    if isinstance(service_date, _dt.date):
        return service_date
    return _dt.date.fromisoformat(str(service_date))


def determine_policy(policy: Policy, facts: Mapping[str, Fact], day: _dt.date) -> dict[str, Any]:
    """One payer's determination dict (docs/INTERFACES.md, "The case record")."""
    indication = _enum(facts, "indication", INDICATIONS)
    request_type = _enum(facts, "request_type", REQUEST_TYPES)
    out: dict[str, Any] = {
        "status": None, "policy": policy.name, "payer": policy.payer, "policy_id": policy.policy_id,
        "source": policy.source, "service_date": day.isoformat(),
        "branch": f"{indication}/{request_type}" if indication and request_type else None,
        "criteria": [], "missing": [], "failed": [], "reasons": [], "trace": {},
    }
    gates = [evaluate(gate, facts) for gate in policy.not_addressed]
    out["trace"]["scope"] = [trace(g) for g in gates]
    hit = next((g for g in gates if g.result == MET), None)
    if hit is not None:
        out.update(status="not_addressed", reasons=[f"{hit.node.text} ({hit.node.cite})"])
        return out

    cell = _cell(policy, indication, request_type)
    if cell is None:
        unknown = [k for k, v in (("indication", indication), ("request_type", request_type)) if v is None]
        out.update(status="insufficient_documentation", missing=unknown,
                   reasons=[f"{k.replace('_', ' ')}: not documented; the branch cannot be chosen" for k in unknown])
        return out
    if isinstance(cell, Outcome):
        line = f"{cell.text} ({cell.cite})"
        if cell.refer_to:
            line = f"decided by {cell.refer_to}: {line}"
        out.update(status=cell.outcome, reasons=[line])
        out["trace"]["branch"] = {"id": cell.id, "kind": "outcome", "outcome": cell.outcome, "text": cell.text,
                                  "cite": cell.cite, "refer_to": cell.refer_to}
        if cell.refer_to:
            out["refer_to"] = cell.refer_to
        return out

    root = evaluate(cell, facts)
    failed = explaining(root, NOT_MET)
    missing = explaining(root, MISSING)
    out.update(
        status=STATUS_OF_ROOT[root.result],
        criteria=flatten(root),
        missing=missing_keys(root),
        failed=[r.node.id for r in failed],
        reasons=[reason(r) for r in failed] + [reason(r) for r in missing],
    )
    out["trace"]["branch"] = trace(root)
    return out


def _cell(policy: Policy, indication: str | None, request_type: str | None) -> Node | Outcome | None:
    """The branch for the case; with indication or request type unknown, an outcome only
    when every branch it could be shares it (e.g. UHC cancer pain: InterQual whatever the request)."""
    if indication and request_type:
        return policy.branches[(indication, request_type)]
    cells = [policy.branches[(i, r)] for i in ([indication] if indication else INDICATIONS)
             for r in ([request_type] if request_type else REQUEST_TYPES)]
    first = cells[0]
    if isinstance(first, Outcome) and all(
        isinstance(c, Outcome) and (c.outcome, c.refer_to) == (first.outcome, first.refer_to) for c in cells
    ):
        return first
    return None


def _no_policy(payer: str, day: _dt.date) -> dict[str, Any]:
    line = f"no {payer} policy version encoded for service date {day.isoformat()}"
    return {"status": "not_addressed", "policy": None, "payer": payer, "policy_id": None, "source": None,
            "service_date": day.isoformat(), "branch": None, "criteria": [], "missing": [], "failed": [],
            "reasons": [line], "trace": {}}


def determine(
    findings: Mapping[str, Any],
    payer: str | Sequence[str] | None = None,
    service_date: _dt.date | str | None = None,
    *,
    rules: Any = None,
) -> dict[str, dict[str, Any]]:
    """payer -> determination dict for one case's findings.

    ``findings`` maps finding keys to ``Finding``s or plain values (absent or ``None`` =
    not documented); ``indication``, ``request_type`` and ``age_years`` choose the branch.
    ``service_date`` (default today) picks the policy version in force. ``rules`` is a
    ``payers`` folder to read instead of the packaged one (for checking edited rules).
    """
    payers = PAYERS if payer is None else (payer,) if isinstance(payer, str) else tuple(payer)
    for p in payers:
        if p not in PAYERS:
            raise UnknownPayerError(f"unknown payer {p!r}; allowed: {', '.join(PAYERS)}")
    day = _day(service_date)
    facts = facts_from(findings)
    out: dict[str, dict[str, Any]] = {}
    for p in payers:
        policy = policy_for(p, day, rules)
        out[p] = _no_policy(p, day) if policy is None else determine_policy(policy, facts, day)
    return out
