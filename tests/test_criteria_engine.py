"""The criteria engine on hand-written findings: three-valued logic, operators, missing vs
not_met, status precedence, version selection, trace provenance."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from screener.criteria import PAYERS, UnknownPayerError, determine, evaluate, facts_from
from screener.criteria.engine import MET, MISSING, NOT_EVALUATED, NOT_MET, failed_ids, missing_keys
from screener.criteria.ops import OPS, coerce
from screener.criteria.schema import Node
from screener.model import Evidence, Finding

LHCC_NM_PERMANENT = {
    "indication": "nonmalignant_pain", "request_type": "permanent", "pain_intractable": True,
    "pain_etiology_documented": True, "life_expectancy_months": 120, "conservative_therapy_failed": True,
    "pharmacotherapy_tried": True, "physical_therapy_tried": True, "behavioral_therapy_tried": True,
    "medication_compliance": True, "psych_evaluation_done": True, "psych_clearance": True,
    "further_surgery_not_indicated": True, "opioid_wean_pct": 60, "opioid_hyperalgesia_ruled_out": True,
    "trial_pain_reduction_pct": 60, "trial_functional_improvement": True, "trial_side_effects_minimal": True,
    "opioid_wean_plan": True, "behavioral_treatment_ongoing": True,
}


def leaf(id_, finding, op, value=None, assume_absent=False):
    return Node(id_, f"text {id_}", "cite", "leaf", finding=finding, op=op, value=value, assume_absent=assume_absent)


def group(kind, *children):
    return Node(f"{kind}.node", "group", "cite", kind, tuple(children))


A = leaf("a", "psych_evaluation_done", "is_true")
B = leaf("b", "trial_pain_reduction_pct", ">=", 50)
C = leaf("c", "dementia", "is_false", assume_absent=True)
X = Node("x", "not evaluable", "cite", "unevaluable", reason="needs labeling")


@pytest.mark.parametrize(
    ("kind", "facts", "expected"),
    [
        ("all", {"psych_evaluation_done": True, "trial_pain_reduction_pct": 50}, MET),
        ("all", {"psych_evaluation_done": True}, MISSING),
        ("all", {"psych_evaluation_done": False}, NOT_MET),  # not_met beats missing
        ("all", {"psych_evaluation_done": True, "trial_pain_reduction_pct": 49.9}, NOT_MET),
        ("any", {"psych_evaluation_done": True}, MET),  # one true meets
        ("any", {"psych_evaluation_done": False, "trial_pain_reduction_pct": 10}, NOT_MET),  # all false fails
        ("any", {"psych_evaluation_done": False}, MISSING),  # otherwise missing
        ("any", {}, MISSING),
    ],
)
def test_criteria_engine_three_valued_all_any(kind, facts, expected):
    assert evaluate(group(kind, A, B), facts_from(facts)).result == expected


@pytest.mark.parametrize(("facts", "expected"), [({"psych_evaluation_done": True}, NOT_MET),
                                                 ({"psych_evaluation_done": False}, MET), ({}, MISSING)])
def test_criteria_engine_not(facts, expected):
    assert evaluate(group("not", A), facts_from(facts)).result == expected


@pytest.mark.parametrize(("facts", "expected"), [({}, MET), ({"dementia": False}, MET), ({"dementia": True}, NOT_MET)])
def test_criteria_engine_assumed_absent(facts, expected):
    res = evaluate(C, facts_from(facts))
    assert res.result == expected
    assert (res.note == "not documented, assumed absent") == (facts == {})


@pytest.mark.parametrize(("facts", "expected"), [({"psych_evaluation_done": True}, MET), ({}, MISSING)])
def test_criteria_engine_unevaluable_is_neutral(facts, expected):
    res = evaluate(group("all", A, X), facts_from(facts))
    assert res.result == expected
    assert res.children[1].result == NOT_EVALUATED


@pytest.mark.parametrize(
    ("op", "documented", "value", "expected"),
    [("is_true", True, None, True), ("is_true", False, None, False), ("is_false", False, None, True),
     (">=", 50.0, 50, True), (">=", 49.0, 50, False), (">", 3.0, 3, False), (">", 3.5, 3, True),
     ("<=", 6.0, 6, True), ("<", 6.0, 6, False), ("==", "trial", "trial", True),
     ("in", "spasticity", ["cancer_pain", "spasticity"], True), ("in", "trial", ["permanent"], False)],
)
def test_criteria_engine_ops(op, documented, value, expected):
    assert OPS[op].func(documented, value) is expected


@pytest.mark.parametrize(("kind", "raw", "expected"), [("number", "62.5", (True, 62.5)), ("number", True, (False, None)),
                                                       ("bool", "yes", (False, None)), ("number", 3, (True, 3.0))])
def test_criteria_engine_coerce(kind, raw, expected):
    assert coerce(kind, raw) == expected


def test_criteria_engine_wrong_type_is_missing_not_a_verdict():
    res = evaluate(B, facts_from({"trial_pain_reduction_pct": "most"}))
    assert (res.result, missing_keys(res)) == (MISSING, ["trial_pain_reduction_pct"])


def test_criteria_engine_missing_and_failed_skip_a_met_any():
    tree = group("all", group("any", A, B), leaf("d", "trial_done", "is_true"))
    res = evaluate(tree, facts_from({"psych_evaluation_done": True, "trial_done": False}))
    assert (res.result, failed_ids(res), missing_keys(res)) == (NOT_MET, ["d"], [])


@pytest.mark.parametrize(
    ("changes", "status", "missing", "failed"),
    [
        ({}, "meets_criteria", [], []),
        ({"psych_evaluation_done": False}, "does_not_meet", [], ["lhcc.nonmalignant.trial.psych_evaluation.done"]),
        ({"psych_evaluation_done": None}, "insufficient_documentation", ["psych_evaluation_done"], []),
        ({"opioid_wean_pct": 30, "opioid_wean_plan": None}, "does_not_meet", ["opioid_wean_plan"],
         ["lhcc.nonmalignant.trial.opioid_wean_50"]),
        ({"dementia": True}, "does_not_meet", [], ["lhcc.contraindications.dementia_or_psychosis.dementia"]),
    ],
)
def test_criteria_engine_missing_vs_not_met(changes, status, missing, failed):
    got = determine({**LHCC_NM_PERMANENT, **changes}, payer="lhcc", service_date="2026-08-01")["lhcc"]
    assert (got["status"], got["missing"], got["failed"]) == (status, missing, failed)


def test_criteria_engine_reason_lines_in_policy_words():
    got = determine({**LHCC_NM_PERMANENT, "trial_pain_reduction_pct": 40, "life_expectancy_months": 3,
                     "psych_clearance": None}, payer="lhcc", service_date="2026-08-01")["lhcc"]
    assert got["reasons"] == [
        "life expectancy 3 months, more than 3 months required",
        "trial pain relief 40% < 50% required",
        "psychological evaluation confirms no major mental health contributor: not documented",
    ]


def _finding(key, value, start):
    ev = Evidence(key=key, value=value, note_id="N7", start=start, end=start + 20, text="(span)",
                  section="assessment", rule_id=f"rule.{key}", note_date=dt.date(2026, 5, 1))
    return Finding(key=key, value=value, evidence=(ev,))


def test_criteria_engine_trace_carries_evidence():
    findings = {k: v for k, v in LHCC_NM_PERMANENT.items()}
    findings["trial_pain_reduction_pct"] = _finding("trial_pain_reduction_pct", 40.0, 812)
    findings["dementia"] = _finding("dementia", False, 40)
    got = determine(findings, payer="lhcc", service_date=dt.date(2026, 8, 1))["lhcc"]
    json.dumps(got)  # serialisable
    by_id = {c["id"]: c for c in got["criteria"]}
    relief = by_id["lhcc.nonmalignant.permanent.trial_relief_50"]
    assert (relief["result"], relief["findings"], relief["evidence"][0]["start"]) == ("not_met", ["trial_pain_reduction_pct"], 812)
    assert by_id["lhcc.nonmalignant.permanent.trial_result"]["evidence"][0]["rule_id"] == "rule.trial_pain_reduction_pct"
    assert by_id["lhcc.contraindications.dementia_or_psychosis.dementia"]["evidence"][0]["note_date"] == "2026-05-01"
    assert by_id["lhcc.contraindications.dementia_or_psychosis.psychosis"]["note"] == "not documented, assumed absent"
    assert by_id["lhcc.nonmalignant.trial.conservative_failed.nonsurgical"]["result"] == "not_evaluated"


def test_criteria_engine_trace_keeps_every_node():
    got = determine({**LHCC_NM_PERMANENT, "opioid_wean_pct": None}, payer="lhcc", service_date="2026-08-01")["lhcc"]

    def ids(node):
        yield node["id"]
        for child in node.get("children", []):
            yield from ids(child)

    assert list(ids(got["trace"]["branch"])) == [c["id"] for c in got["criteria"]]
    assert {c["result"] for c in got["criteria"]} == {"met", "missing", "not_evaluated"}


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ({"indication": "spasticity", "request_type": "trial", "age_years": 16},
         {"uhc": "not_addressed", "lhcc": "external_criteria", "molina": "not_addressed"}),
        ({"indication": "cancer_pain", "request_type": "replacement", "age_years": 60},
         {"uhc": "external_criteria", "lhcc": "not_addressed", "molina": "not_addressed"}),
        ({"indication": "spasticity", "request_type": "replacement", "age_years": 60},
         {"uhc": "external_criteria", "lhcc": "not_addressed", "molina": "not_addressed"}),
        ({"request_type": "trial", "age_years": 60},
         {"uhc": "insufficient_documentation", "lhcc": "insufficient_documentation", "cohere": "insufficient_documentation"}),
    ],
)
def test_criteria_engine_precedence(findings, expected):
    got = determine(findings, service_date="2026-08-01")
    assert {p: got[p]["status"] for p in expected} == expected


@pytest.mark.parametrize(("day", "policy"), [("2026-06-30", "UHC 2026T0626M"), ("2026-07-01", "UHC 2026T0626N"),
                                             (dt.date(2027, 1, 1), "UHC 2026T0626N")])
def test_criteria_engine_version_by_service_date(day, policy):
    assert determine({}, payer="uhc", service_date=day)["uhc"]["policy"] == policy


def test_criteria_engine_no_version_in_force():
    got = determine({}, payer="cohere", service_date="2020-01-01")["cohere"]
    assert (got["status"], got["policy"]) == ("not_addressed", None)


def test_criteria_engine_defaults_all_payers_today():
    got = determine({})
    assert tuple(got) == PAYERS
    assert got["uhc"]["service_date"] == dt.date.today().isoformat()


def test_criteria_engine_unknown_payer():
    with pytest.raises(UnknownPayerError) as err:
        determine({}, payer="aetna")
    assert err.value.code == "E112"


def test_criteria_engine_imports_neither_spacy_nor_pandas():
    code = "import sys, screener.criteria; print(sorted({'spacy', 'pandas'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("op, threshold, bound, value, expected", [
    (">", 3, ">=", 3, MISSING),    # "3 months or more" against "> 3": open
    (">=", 3, ">=", 3, MET),       # ... against ">= 3": met
    (">", 3, ">", 3, MET),         # "more than 3 months"
    (">=", 50, "<", 50, NOT_MET),  # "less than 50% relief"
    (">=", 50, "<=", 80, MISSING),  # "up to 80%": open
    (">", 6, ">=", 7, MET),
    (">=", 6, "<=", 6, MISSING),
])
def test_criteria_engine_number_known_only_as_a_bound_is_decided_threshold_by_threshold(op, threshold, bound, value, expected):
    node = Node("n", "t", "c", "leaf", finding="life_expectancy_months", op=op, value=threshold)
    facts = facts_from({"life_expectancy_months": {"value": value, "bound": bound, "evidence": []}})
    result = evaluate(node, facts)
    assert result.result == expected
    if expected == MISSING:
        assert result.note == f"documented only as {bound} {value:g}"


def test_criteria_engine_bound_gives_per_payer_verdicts():
    findings = {"indication": "cancer_pain", "request_type": "trial",
                "life_expectancy_months": Finding("life_expectancy_months", 3.0, bound=">=")}
    dets = determine(findings, ["lhcc", "cohere"], "2026-08-01")
    lhcc = {c["id"]: c["result"] for c in dets["lhcc"]["criteria"]}
    cohere = {c["id"]: c["result"] for c in dets["cohere"]["criteria"]}
    assert lhcc["lhcc.cancer.trial.life_expectancy"] == MISSING and "life_expectancy_months" in dets["lhcc"]["missing"]
    assert cohere["cohere.cancer.life_expectancy"] == MET
