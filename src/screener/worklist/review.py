"""What a reviewer's decision means for the findings, and the determination recomputed from them.

Pure (no database). A decision is a verdict on one criterion (a leaf of a payer's policy
tree, which tests one finding): ``met``, ``not_met`` or ``missing``. It becomes a finding
value the engine reads, so the same engine recomputes every payer's determination:

- an explicit value typed by the reviewer is that value;
- otherwise the verdict on the leaf gives it: ``== v`` met -> ``v``, not met -> ``not v``
  (yes/no findings); a number threshold gives a bound ("trial relief >= 50: met" ->
  ``>= 50``; "not met" -> ``< 50``), which the engine judges against each payer's own
  threshold (met on Cohere's ">= 3 months" leaves LHCC's "> 3 months" open);
- ``missing`` removes the finding: "not documented".

The evidence of a decided finding is the spans the reviewer chose (a span the screener
missed included), each marked ``rule_id: reviewer``.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..criteria.engine import determine
from ..criteria.ops import OPS, coerce
from ..criteria.schema import PAYERS, Node, policy_for
from ..errors import InputError
from ..vocabulary import vocabulary

VERDICTS = ("met", "not_met", "missing")
_BOOL_WORDS = {"true": True, "yes": True, "false": False, "no": False}
# verdict on "finding OP threshold" -> the bound the finding is known to satisfy
_BOUND = {(">=", "met"): ">=", (">=", "not_met"): "<", (">", "met"): ">", (">", "not_met"): "<=",
          ("<=", "met"): "<=", ("<=", "not_met"): ">", ("<", "met"): "<", ("<", "not_met"): ">="}


def find_leaf(payer: str, criterion_id: str, day: _dt.date) -> Node | None:
    """The leaf ``criterion_id`` of ``payer``'s policy in force on ``day`` (None if absent)."""
    policy = policy_for(payer, day)
    if policy is None:
        return None
    roots = list(policy.not_addressed) + [n for n in policy.branches.values() if isinstance(n, Node)]
    for root in roots:
        for node in root.walk():
            if node.id == criterion_id and node.kind == "leaf":
                return node
    return None


def decided_value(key: str, verdict: str, leaf: Node | None, value: Any = None) -> tuple[Any, str | None]:
    """(value, bound) a decision stands for; ``(None, None)`` for ``missing``.

    Raises ``InputError`` with a one-line reason when the verdict alone does not give a
    value (an enum criterion "not met", a list of allowed values) and none was typed."""
    if key not in vocabulary():
        raise InputError(f"unknown finding key {key!r}")
    if verdict not in VERDICTS:
        raise InputError(f"verdict must be one of {', '.join(VERDICTS)}")
    if verdict == "missing":
        return None, None
    kind = vocabulary()[key].type
    if kind == "bool" and isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        value = _BOOL_WORDS[value.strip().lower()]
    if value not in (None, ""):
        ok, coerced = coerce(kind, value)
        if not ok:
            raise InputError(f"{key}: {str(value)[:40]!r} is not a {kind}")
        if leaf is not None and leaf.finding == key and leaf.op:
            if OPS[leaf.op].func(coerced, leaf.value) != (verdict == "met"):
                raise InputError(f"{key} = {coerced!r} does not make criterion {leaf.id} {verdict.replace('_', ' ')}")
        return coerced, None
    if leaf is None or leaf.finding != key:
        raise InputError(f"{key}: give the value (no criterion of this payer tests it)")
    if leaf.op in ("is_true", "is_false"):
        return (leaf.op == "is_true") == (verdict == "met"), None
    if leaf.op == "==" and kind == "bool":
        return (bool(leaf.value) if verdict == "met" else not bool(leaf.value)), None
    if leaf.op == "==" and verdict == "met":
        return leaf.value, None
    if leaf.op == "in" and verdict == "met" and len(leaf.value) == 1:
        return list(leaf.value)[0], None
    if (leaf.op, verdict) in _BOUND and kind == "number":
        return float(leaf.value), _BOUND[(leaf.op, verdict)]
    raise InputError(f"{key}: give the value ({leaf.id} {verdict.replace('_', ' ')} does not say which)")


def reviewed_findings(findings: Mapping[str, Any], decisions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The screener's findings (record shape: key -> {"value", "evidence", ...}) with each
    decided key replaced by the reviewer's value and spans; decisions are applied oldest
    first, so the latest per key wins."""
    out = {k: dict(v) if isinstance(v, Mapping) else {"value": v, "evidence": []} for k, v in findings.items()}
    for d in decisions:
        key = d["key"]
        if d["verdict"] == "missing":
            out.pop(key, None)
            continue
        value = (d.get("value") or {}).get("value")
        bound = (d.get("value") or {}).get("bound")
        evidence = [{"key": key, "value": value, "note_id": s["note_id"], "start": s["start"], "end": s["end"],
                     "text": s.get("text", ""), "section": None, "rule_id": "reviewer", "negated": False,
                     "historical": False, "hypothetical": False, "family": False, "uncertain": False}
                    for s in d.get("spans") or []]
        before = out.get(key) or {}
        if not evidence and before.get("value") == value and not before.get("bound") and not bound:
            evidence = list(before.get("evidence") or [])  # a confirmation without new spans keeps the screener's
        out[key] = {"value": value, "bound": bound, "source": "reviewer", "evidence": evidence,
                    "decision": {"reviewer": d.get("reviewer"), "reason": d.get("reason", ""), "verdict": d["verdict"]}}
    return out


def recompute(findings: Mapping[str, Any], payers: Sequence[str] | None, service_date: Any) -> dict[str, dict[str, Any]]:
    """payer -> determination from (reviewed) findings, by the screener's own engine."""
    return determine(findings, [p for p in (payers or PAYERS) if p in PAYERS], service_date)
