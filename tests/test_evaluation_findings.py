"""Findings evaluation on a hand-made gold folder with hand-made predictions."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from screener.evaluation import evaluate_findings, predict_findings
from screener.gold import load_gold
from screener.model import Evidence, Finding

GOLD = {
    "C01": {
        "notes": [
            ("C01-N1", "Pain 8/10. No dementia.", {"pain_score_nrs": 8, "dementia": False}),
            ("C01-N2", "Trial done, 62.5% relief.", {"trial_done": True, "trial_pain_reduction_pct": 62.5}),
        ],
        "findings": {"pain_score_nrs": 8, "dementia": False, "trial_done": True,
                     "trial_pain_reduction_pct": 62.5, "indication": "nonmalignant_pain"},
    },
    "C02": {
        "notes": [("C02-N1", "Pain 6/10. Dementia.", {"pain_score_nrs": 6, "dementia": True})],
        "findings": {"pain_score_nrs": 6, "dementia": True, "indication": "cancer_pain"},
    },
}


def write_gold(root: Path, gold=GOLD, determinations=None) -> Path:
    for case_id, case in gold.items():
        folder = root / case_id
        folder.mkdir(parents=True)
        notes = []
        for note_id, text, findings in case["notes"]:
            (folder / f"{note_id}.txt").write_text(text, encoding="utf-8")
            notes.append({"note_id": note_id, "note_date": "2026-03-02", "findings": findings})
        meta = {"patient_id": case_id, "notes": notes, "findings": case["findings"]}
        if determinations and case_id in determinations:
            meta["determinations"] = determinations[case_id]
        (folder / "case.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return root


def finding(key, value, text="evidence text", note_id="N"):
    ev = Evidence(key=key, value=value, note_id=note_id, start=0, end=len(text), text=text)
    return Finding(key=key, value=value, evidence=(ev,))


# Case-level predictions: C01 perfect except pct off by 0.5 (a match) and an extra FP key;
# C02: pain score wrong (FP+FN), dementia missed (FN), indication right.
CASE_PRED = {
    "C01": {"pain_score_nrs": finding("pain_score_nrs", 8.0), "dementia": finding("dementia", False),
            "trial_done": finding("trial_done", True), "trial_pain_reduction_pct": finding("trial_pain_reduction_pct", 62.0),
            "indication": finding("indication", "nonmalignant_pain"),
            "psychosis": finding("psychosis", True, text="psychosis mention", note_id="C01-N2")},
    "C02": {"pain_score_nrs": finding("pain_score_nrs", 9.0, text="pain 9", note_id="C02-N1"),
            "indication": finding("indication", "cancer_pain")},
}
NOTE_PRED = {
    "C01-N1": {"pain_score_nrs": 8.0, "dementia": False},
    "C01-N2": {"trial_done": True},                       # pct missed
    "C02-N1": {"pain_score_nrs": 6.0, "dementia": False},  # dementia wrong
}


@pytest.fixture()
def cases(tmp_path):
    return load_gold(write_gold(tmp_path / "gold"))


@pytest.fixture()
def result(cases):
    by_notes = {tuple(n.note_id for n in c.plain_notes): CASE_PRED[c.case_id] for c in cases}
    return evaluate_findings(
        cases,
        case_predictor=lambda notes: by_notes[tuple(n.note_id for n in notes)],
        note_predictor=lambda note: NOTE_PRED[note.note_id],
    )


@pytest.mark.parametrize(
    ("level", "tp", "fp", "fn"),
    [
        # case: C01 5 tp + 1 fp (psychosis); C02 indication tp, pain wrong (fp+fn), dementia fn
        ("case", 6, 2, 2),
        # note: N1 2 tp; N2 1 tp + 1 fn; C02-N1 1 tp, dementia wrong (fp+fn)
        ("note", 4, 1, 2),
    ],
)
def test_evaluation_findings_micro_counts(result, level, tp, fp, fn):
    row = result.summary.set_index("level").loc[level]
    assert (row["tp"], row["fp"], row["fn"]) == (tp, fp, fn)
    assert row["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))


@pytest.mark.parametrize(
    ("level", "key", "support", "tp", "fp", "fn"),
    [
        ("case", "pain_score_nrs", 2, 1, 1, 1),
        ("case", "dementia", 2, 1, 0, 1),
        ("case", "trial_pain_reduction_pct", 1, 1, 0, 0),
        ("case", "psychosis", 0, 0, 1, 0),
        ("note", "dementia", 2, 1, 1, 1),
        ("note", "trial_pain_reduction_pct", 1, 0, 0, 1),
    ],
)
def test_evaluation_findings_per_key_counts(result, level, key, support, tp, fp, fn):
    row = result.per_key.set_index(["level", "key"]).loc[(level, key)]
    assert (row["support"], row["tp"], row["fp"], row["fn"]) == (support, tp, fp, fn)


def test_evaluation_findings_per_key_precision_undefined_without_predictions(result):
    row = result.per_key.set_index(["level", "key"]).loc[("note", "trial_pain_reduction_pct")]
    assert math.isnan(row["precision"]) and row["recall"] == 0.0


def test_evaluation_findings_errors_list_evidence_of_the_prediction(result):
    errors = result.errors
    assert len(errors) == 5  # case: psychosis, pain (C02), dementia (C02); note: pct (C01-N2), dementia (C02-N1)
    wrong = errors[(errors["level"] == "case") & (errors["key"] == "pain_score_nrs")].iloc[0]
    assert (wrong["gold"], wrong["predicted"], wrong["outcome"]) == (6.0, 9.0, "wrong")
    assert wrong["evidence"] == "pain 9" and wrong["note_id"] == "C02-N1"
    fp = errors[errors["key"] == "psychosis"].iloc[0]
    assert fp["outcome"] == "fp" and fp["evidence"] == "psychosis mention"
    missed = errors[(errors["level"] == "note") & (errors["key"] == "trial_pain_reduction_pct")].iloc[0]
    assert missed["outcome"] == "fn" and missed["note_id"] == "C01-N2" and missed["evidence"] == ""


def test_evaluation_findings_predictions_reused_and_levels_selectable(cases):
    preds = predict_findings(cases, levels=("note",), note_predictor=lambda note: NOTE_PRED[note.note_id])
    assert set(preds.note) == {("C01", "C01-N1"), ("C01", "C01-N2"), ("C02", "C02-N1")} and not preds.case
    result = evaluate_findings(cases, levels=("note",), predictions=preds)
    assert list(result.summary["level"]) == ["note"]
    assert result.micro_f1("note") == pytest.approx(8 / 11)


def test_evaluation_findings_rejects_unknown_level(cases):
    with pytest.raises(ValueError, match="unknown level"):
        evaluate_findings(cases, levels=("sentence",), note_predictor=dict, case_predictor=dict)


def test_evaluation_findings_to_dict_has_no_nan(result):
    data = result.to_dict()
    assert data["n_cases"] == 2 and data["n_notes"] == 3
    flat = [v for row in data["per_key"] for v in row.values()]
    assert not any(isinstance(v, float) and math.isnan(v) for v in flat)


def test_evaluation_default_gold_dir_env_then_sample_notes(monkeypatch, tmp_path):
    from screener.evaluation import default_gold_dir

    monkeypatch.setenv("SCREENER_GOLD_DIR", str(tmp_path))
    assert default_gold_dir() == tmp_path
    monkeypatch.delenv("SCREENER_GOLD_DIR")
    assert default_gold_dir().name == "sample_notes"
