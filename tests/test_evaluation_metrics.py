"""Unit tests of the scoring primitives (screener.evaluation.metrics)."""
from __future__ import annotations

import math

import pytest

from screener.evaluation import metrics
from screener.model import Evidence, Finding


@pytest.mark.parametrize(
    ("gold", "predicted", "kind", "expected"),
    [
        (8.0, 8.0, "number", "tp"),
        (62.5, 62.0, "number", "tp"),        # within 1 point
        (62.5, 61.5, "number", "tp"),        # exactly 1 point: still a match
        (62.5, 61.0, "number", "wrong"),     # 1.5 points off
        (1.0, True, "number", "wrong"),      # a bool is not a number
        (True, True, "bool", "tp"),
        (False, False, "bool", "tp"),
        (True, False, "bool", "wrong"),
        (True, 1, "bool", "wrong"),
        ("permanent", "permanent", "enum", "tp"),
        ("permanent", "trial", "enum", "wrong"),
        (None, True, "bool", "fp"),
        (None, 3.0, "number", "fp"),
        (True, None, "bool", "fn"),
        (None, None, "bool", "tn"),
        (5.0, 5.4, None, "tp"),              # kind inferred from gold
        (True, False, None, "wrong"),
    ],
)
def test_metrics_outcome_follows_gold_convention(gold, predicted, kind, expected):
    assert metrics.outcome(gold, predicted, kind) == expected


@pytest.mark.parametrize(
    ("key", "gold", "predicted", "expected"),
    [
        ("baclofen_trial_ashworth_drop", 1.0, 0.0, "wrong"),   # >= 1 point: met against not met
        ("pain_score_nrs", 6.0, 7.0, "wrong"),                 # Molina's NRS > 6
        ("trial_pain_reduction_pct", 50.0, 49.9, "wrong"),     # >= 50% relief
        ("trial_pain_reduction_pct", 62.5, 62.0, "tp"),        # same side, within 1 point
        ("life_expectancy_months", 3.0, 3.5, "wrong"),         # LHCC's strict > 3 months
        ("psych_clearance", True, True, "tp"),                 # no thresholds on a bool
    ],
)
def test_metrics_outcome_numbers_across_a_payer_threshold_are_wrong(key, gold, predicted, expected):
    assert metrics.outcome(gold, predicted, key=key) == expected
    assert metrics.outcome(gold, predicted) == ("tp" if abs(gold - predicted) <= 1 else "wrong")  # no key: tolerance only


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (["tp", "tp", "fp"], {"tp": 2, "fp": 1, "fn": 0}),
        (["wrong"], {"tp": 0, "fp": 1, "fn": 1}),       # a wrong value is both FP and FN
        (["fn", "tn", "wrong", "tp"], {"tp": 1, "fp": 1, "fn": 2}),
        ([], {"tp": 0, "fp": 0, "fn": 0}),
    ],
)
def test_metrics_counts_wrong_value_is_fp_and_fn(outcomes, expected):
    assert metrics.counts(outcomes) == expected


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "p", "r", "f1"),
    [
        (2, 1, 1, 2 / 3, 2 / 3, 2 / 3),
        (1, 0, 3, 1.0, 0.25, 0.4),
        (0, 2, 0, 0.0, math.nan, 0.0),
        (0, 0, 0, math.nan, math.nan, math.nan),
    ],
)
def test_metrics_prf_values_and_empty_denominators(tp, fp, fn, p, r, f1):
    got = metrics.prf(tp, fp, fn)
    for name, want in (("precision", p), ("recall", r), ("f1", f1)):
        if math.isnan(want):
            assert math.isnan(got[name])
        else:
            assert got[name] == pytest.approx(want)


def test_metrics_binary_prf_counts_positive_class():
    got = metrics.binary_prf([True, True, False, False, True], [True, False, True, False, True])
    assert (got["tp"], got["fp"], got["fn"], got["tn"]) == (2, 1, 1, 1)
    assert got["f1"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ({"dementia": Finding("dementia", False)}, {"dementia": False}),
        ({"pain_score_nrs": 7.0, "dementia": None}, {"pain_score_nrs": 7.0}),
        ({"trial_done": {"value": True, "evidence": []}}, {"trial_done": True}),
        (None, {}),
    ],
)
def test_metrics_plain_values_accepts_findings_values_and_records(findings, expected):
    assert metrics.plain_values(findings) == expected


def test_metrics_value_of_reads_finding_value():
    ev = Evidence(key="dementia", value=False, note_id="N1", start=0, end=5, text="x")
    assert metrics.value_of(Finding("dementia", False, evidence=(ev,))) is False
