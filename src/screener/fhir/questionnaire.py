"""A payer's rule file as a FHIR R4 Questionnaire in Da Vinci DTR's style
(``screener rules questionnaire PAYER``; docs/fhir.md, "Questionnaires").

The Questionnaire has three parts:

1. ``case``: the two questions that choose the policy's branch, ``case.indication`` and
   ``case.request_type`` (``choice``, codes of findings.yaml);
2. ``scope``: the policy's "not addressed" gates (age under 18, ...);
3. one item per branch (indication x request type) with ``enableWhen`` on both questions:
   the branch's criteria tree, or a ``display`` item for a branch decided elsewhere
   (``external_criteria`` / ``not_addressed``).

In the tree, an ``all`` / ``any`` / ``not`` node is a ``group`` (its combination in the
``criteria-combination`` extension and the ``prefix``), a leaf is a question on its finding
(``boolean`` / ``decimal`` / ``choice``; ``code`` = the finding key), a node the rules mark
not evaluable is a ``display`` item. ``linkId`` is the rule node id; a subtree the rule
file shares between branches (a ``ref``) appears under each, and its later copies get the
suffix ``@<indication>.<request_type>`` (linkIds are unique in a Questionnaire). ``text``
is the policy's words and the ``citation`` extension keeps the section cited; the
``criterion`` extension says how the screener evaluates a leaf (finding, operator, value,
"not documented = absent"). ``version`` is the policy id; ``effectivePeriod`` the rule
file's dates.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..criteria.schema import Node, Outcome, Policy
from ..model import INDICATIONS, REQUEST_TYPES
from ..vocabulary import vocabulary
from .documents import CANONICAL_BASE

EXT_CITATION = f"{CANONICAL_BASE}/StructureDefinition/citation"
EXT_COMBINATION = f"{CANONICAL_BASE}/StructureDefinition/criteria-combination"
EXT_CRITERION = f"{CANONICAL_BASE}/StructureDefinition/criterion"
EXT_INTERPRETATION = f"{CANONICAL_BASE}/StructureDefinition/interpretation"
EXT_OUTCOME = f"{CANONICAL_BASE}/StructureDefinition/branch-outcome"
FINDING_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/finding"
INDICATION_LINK, REQUEST_LINK = "case.indication", "case.request_type"
_ITEM_TYPE = {"bool": "boolean", "number": "decimal", "enum": "choice"}
_PREFIX = {"all": "All of:", "any": "Any of:", "not": "Not:"}


def value_system(key: str) -> str:
    """The code system of an enum finding's values (``.../CodeSystem/indication``)."""
    return f"{CANONICAL_BASE}/CodeSystem/{key.replace('_', '-')}"


def questionnaire_id(policy: Policy) -> str:
    return re.sub(r"[^A-Za-z0-9\-.]", "-", f"{policy.payer}-{policy.policy_id}")[:64]


def canonical(policy: Policy) -> str:
    """``url|version`` of the policy's Questionnaire (what a QuestionnaireResponse cites)."""
    return f"{CANONICAL_BASE}/Questionnaire/{questionnaire_id(policy)}|{policy.policy_id}"


@dataclass
class Layout:
    """The Questionnaire of one policy and where each part of the rule tree sits in it:
    ``gates`` (linkId trees of the scope gates) and ``branches`` ((indication,
    request_type) -> linkId tree), each tree a ``Slot``."""

    resource: dict[str, Any]
    gates: list[Slot] = field(default_factory=list)
    branches: dict[tuple[str, str], Slot] = field(default_factory=dict)


@dataclass
class Slot:
    link_id: str
    children: list[Slot] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def link_id(self, node_id: str, where: str) -> str:
        candidate = node_id if node_id not in self.used else f"{node_id}@{where}"
        n = 2
        while candidate in self.used:
            candidate, n = f"{node_id}@{where}.{n}", n + 1
        self.used.add(candidate)
        return candidate

    def node(self, node: Node, where: str) -> tuple[dict[str, Any], Slot]:
        link = self.link_id(node.id, where)
        item: dict[str, Any] = {"extension": [{"url": EXT_CITATION, "valueString": node.cite}], "linkId": link,
                                "text": node.text}
        if node.interpretation:
            item["extension"].append({"url": EXT_INTERPRETATION, "valueString": node.interpretation})
        slot = Slot(link)
        if node.kind == "leaf":
            spec = vocabulary()[node.finding]
            criterion = [{"url": "finding", "valueCode": node.finding}, {"url": "operator", "valueCode": node.op}]
            if node.value is not None:
                criterion.append({"url": "value", "valueString": str(node.value)})
            if node.assume_absent:
                criterion.append({"url": "notDocumentedMeansAbsent", "valueBoolean": True})
            item["extension"].append({"url": EXT_CRITERION, "extension": criterion})
            item["code"] = [{"system": FINDING_SYSTEM, "code": node.finding}]
            item["type"] = _ITEM_TYPE[spec.type]
            if spec.type == "enum":
                item["answerOption"] = [{"valueCoding": {"system": value_system(node.finding), "code": v}}
                                        for v in spec.values]
        elif node.kind == "unevaluable":
            item["type"] = "display"
            item["text"] = f"{node.text} [not evaluated by the screener: {node.reason}]"
        else:
            item["extension"].append({"url": EXT_COMBINATION, "valueCode": node.kind})
            item["prefix"] = _PREFIX[node.kind]
            item["type"] = "group"
            children = [self.node(child, where) for child in node.children]
            item["item"] = [c for c, _ in children]
            slot.children = [s for _, s in children]
        return item, slot


def _choice(link: str, text: str, key: str, values: tuple[str, ...]) -> dict[str, Any]:
    return {"linkId": link, "text": text, "type": "choice", "required": True,
            "code": [{"system": FINDING_SYSTEM, "code": key}],
            "answerOption": [{"valueCoding": {"system": value_system(key), "code": v}} for v in values]}


def _enable_when(indication: str, request_type: str) -> list[dict[str, Any]]:
    return [
        {"question": INDICATION_LINK, "operator": "=",
         "answerCoding": {"system": value_system("indication"), "code": indication}},
        {"question": REQUEST_LINK, "operator": "=",
         "answerCoding": {"system": value_system("request_type"), "code": request_type}},
    ]


@lru_cache(maxsize=32)
def layout(policy: Policy) -> Layout:
    """The Questionnaire of ``policy`` (a dict, R4) with the positions of its items."""
    builder = _Builder()
    builder.used.update({"case", INDICATION_LINK, REQUEST_LINK, "scope"})
    case = {"linkId": "case", "text": "The request", "type": "group", "required": True, "item": [
        _choice(INDICATION_LINK, "What is the pump for?", "indication", INDICATIONS),
        _choice(REQUEST_LINK, "What is requested?", "request_type", REQUEST_TYPES),
    ]}
    items: list[dict[str, Any]] = [case]
    out = Layout(resource={})
    if policy.not_addressed:
        gates = [builder.node(gate, "scope") for gate in policy.not_addressed]
        items.append({"linkId": "scope", "text": "This policy does not address the request when",
                      "type": "group", "item": [g for g, _ in gates]})
        out.gates = [s for _, s in gates]
    for indication in INDICATIONS:
        for request_type in REQUEST_TYPES:
            cell = policy.branches[(indication, request_type)]
            where = f"{indication}.{request_type}"
            if isinstance(cell, Outcome):
                link = builder.link_id(cell.id, where)
                decided = f" Decided by {cell.refer_to}." if cell.refer_to else ""
                item = {"extension": [{"url": EXT_CITATION, "valueString": cell.cite},
                                      {"url": EXT_OUTCOME, "valueCode": cell.outcome}],
                        "linkId": link, "text": f"{cell.text}{decided}", "type": "display"}
                slot = Slot(link)
            else:
                item, slot = builder.node(cell, where)
            item["enableWhen"] = _enable_when(indication, request_type)
            item["enableBehavior"] = "all"
            items.append(item)
            out.branches[(indication, request_type)] = slot
    period = {k: d.isoformat() for k, d in (("start", policy.effective_from), ("end", policy.effective_to)) if d}
    description = f"{policy.name}: {policy.title}. Criteria from the policy document {policy.source}."
    if policy.effective_note:
        description += f" {policy.effective_note}"
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(policy),
        "url": canonical(policy).split("|")[0],
        "version": policy.policy_id,
        "name": re.sub(r"[^A-Za-z0-9_]", "_", f"{policy.payer}_{policy.policy_id}"),
        "title": f"{policy.name}: {policy.title}",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "screener (generated from its rule files)",
        "description": description,
    }
    if period:
        resource["effectivePeriod"] = period
    resource["item"] = items
    out.resource = resource
    return out


def questionnaire(policy: Policy) -> dict[str, Any]:
    """The policy's Questionnaire (a fresh copy of the cached dict)."""
    import copy

    return copy.deepcopy(layout(policy).resource)


def walk_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from walk_items(item.get("item", ()))
