"""Determination evaluation with hand-made determinations."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from screener.evaluation import confusion_matrix, evaluate_determinations
from screener.gold import load_gold

GOLD_STATUS = {
    "C01": {"uhc": "meets_criteria", "molina": "insufficient_documentation"},
    "C02": {"uhc": "does_not_meet", "molina": "does_not_meet"},
    "C03": {"uhc": "meets_criteria", "molina": "not_addressed"},
}


def det(status, failed=(), missing=(), criteria=()):
    return {"status": status, "failed": list(failed), "missing": list(missing),
            "criteria": [{"id": cid, "result": res} for cid, res in criteria], "reasons": []}


PREDICTED = {
    "C01": {"uhc": det("meets_criteria", criteria=[("uhc.a", "met")]),
            "molina": det("insufficient_documentation", missing=["psych_clearance"])},
    "C02": {"uhc": det("insufficient_documentation", missing=["trial_pain_reduction_pct"],
                       criteria=[("uhc.a", "missing"), ("uhc.b", "met")]),
            "molina": det("does_not_meet", failed=["molina.contra"])},
    "C03": {"uhc": det("does_not_meet", failed=["uhc.contra.dementia"], criteria=[("uhc.contra.dementia", "not_met")]),
            "molina": det("not_addressed")},
}
REFERENCE = {
    "C01": {"uhc": det("meets_criteria", criteria=[("uhc.a", "met")]), "molina": det("insufficient_documentation")},
    "C02": {"uhc": det("does_not_meet", criteria=[("uhc.a", "not_met"), ("uhc.b", "met")]),
            "molina": det("does_not_meet")},
    "C03": {"uhc": det("meets_criteria", criteria=[("uhc.contra.dementia", "met")]), "molina": det("not_addressed")},
}


@pytest.fixture()
def cases(tmp_path: Path):
    for case_id, statuses in GOLD_STATUS.items():
        folder = tmp_path / case_id
        folder.mkdir()
        (folder / f"{case_id}-N1.txt").write_text("note", encoding="utf-8")
        meta = {"patient_id": case_id, "notes": [{"note_id": f"{case_id}-N1"}], "determinations": statuses}
        (folder / "case.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return load_gold(tmp_path)


@pytest.fixture()
def result(cases):
    return evaluate_determinations(cases, predictor=lambda c: PREDICTED[c.case_id],
                                   reference=lambda c: REFERENCE[c.case_id])


@pytest.mark.parametrize(
    ("payer", "n", "correct", "accuracy", "reference_accuracy"),
    [("uhc", 3, 1, 1 / 3, 1.0), ("molina", 3, 3, 1.0, 1.0), ("all", 6, 4, 4 / 6, 1.0)],
)
def test_evaluation_determinations_accuracy_per_payer(result, payer, n, correct, accuracy, reference_accuracy):
    row = result.accuracy.set_index("payer").loc[payer]
    assert (row["n"], row["correct"]) == (n, correct)
    assert row["accuracy"] == pytest.approx(accuracy)
    assert row["reference_accuracy"] == pytest.approx(reference_accuracy)


@pytest.mark.parametrize(
    ("payer", "gold", "predicted", "count"),
    [
        ("uhc", "meets_criteria", "meets_criteria", 1),
        ("uhc", "meets_criteria", "does_not_meet", 1),
        ("uhc", "does_not_meet", "insufficient_documentation", 1),
        ("uhc", "does_not_meet", "does_not_meet", 0),
        ("molina", "not_addressed", "not_addressed", 1),
    ],
)
def test_evaluation_determinations_confusion_cells(result, payer, gold, predicted, count):
    assert result.confusion[payer].loc[gold, predicted] == count


@pytest.mark.parametrize(
    ("kind", "item", "n"),
    [
        ("missing finding", "trial_pain_reduction_pct", 1),
        ("failed criterion", "uhc.contra.dementia", 1),
        ("criterion differs from gold-findings run", "uhc.a", 1),
        ("criterion differs from gold-findings run", "uhc.contra.dementia", 1),
    ],
)
def test_evaluation_determinations_drivers_name_criteria(result, kind, item, n):
    drivers = result.drivers
    hit = drivers[(drivers["payer"] == "uhc") & (drivers["kind"] == kind) & (drivers["item"] == item)]
    assert list(hit["n"]) == [n]


def test_evaluation_determinations_drivers_only_from_disagreements(result):
    # molina agrees everywhere, so its failed/missing lists are not drivers
    assert "molina" not in set(result.drivers["payer"])


def test_evaluation_determinations_rows_keep_payers_filter(cases):
    result = evaluate_determinations(cases, predictor=lambda c: PREDICTED[c.case_id], payers=["molina"])
    assert set(result.rows["payer"]) == {"molina"} and result.rows["reference"].isna().all()


def test_evaluation_determinations_missing_prediction_is_none_status(cases):
    result = evaluate_determinations(cases, predictor=lambda c: {})
    assert set(result.rows["predicted"]) == {"none"}
    assert result.confusion["uhc"].loc["meets_criteria", "none"] == 2


def test_evaluation_determinations_confusion_matrix_keeps_all_statuses():
    m = confusion_matrix(["meets_criteria"], ["does_not_meet"])
    assert m.shape == (5, 5) and m.values.sum() == 1


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["a", "a.b", "a.b.c", "d"], ["a.b.c", "d"]),
        (["lhcc.x", "lhcc.xy"], ["lhcc.x", "lhcc.xy"]),  # prefix without a dot is no parent
        ([], []),
    ],
)
def test_evaluation_determinations_most_specific_criteria(ids, expected):
    from screener.evaluation.determinations import _most_specific

    assert _most_specific(ids) == expected


def test_determinations_wrong_confidence_counts_what_says_more_than_the_gold(cases, result):
    table = result.wrong_confidence.set_index("payer")
    # C03 uhc: gold meets_criteria, predicted does_not_meet; nothing predicted meets_criteria wrongly
    assert table.loc["uhc", "false_does_not_meet"] == 1 and table.loc["uhc", "false_does_not_meet_cases"] == "C03"
    assert table.loc["molina", "false_does_not_meet"] == 0 and table.loc["all", "false_meets_criteria"] == 0
    vouching = {**PREDICTED, "C02": {**PREDICTED["C02"], "uhc": det("meets_criteria")}}
    worse = evaluate_determinations(cases, predictor=lambda c: vouching[c.case_id]).wrong_confidence.set_index("payer")
    assert worse.loc["uhc", "false_meets_criteria"] == 1 and worse.loc["all", "false_meets_cases"] == "C02 uhc"
    assert "wrong_confidence" in result.to_dict()
