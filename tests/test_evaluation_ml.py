"""TF-IDF + LR baseline: folds by case, support thresholds, comparison with rules."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from screener.evaluation import ml_baseline, top_features
from screener.evaluation.determinations import DeterminationEvaluation, evaluate_determinations
from screener.gold import load_gold

N_CASES = 8


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("gold")
    for i in range(N_CASES):
        cid = f"C{i:02d}"
        folder = root / cid
        folder.mkdir()
        demented = i % 2 == 0
        notes = []
        for j in range(2):
            nid = f"{cid}-N{j}"
            text = (f"Visit {j}. Patient has dementia, memory loss." if demented and j == 0
                    else f"Visit {j}. Alert and oriented, pain in back.")
            (folder / f"{nid}.txt").write_text(text, encoding="utf-8")
            notes.append({"note_id": nid, "findings": {"dementia": True} if demented and j == 0 else {}})
        meta = {"patient_id": cid, "notes": notes,
                "determinations": {"uhc": "does_not_meet" if demented else "meets_criteria",
                                   "cohere": "meets_criteria"}}
        (folder / "case.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return load_gold(root)


def rules_note(note):
    return {"dementia": True} if "dementia" in note.text and note.note_id.startswith(("C00", "C02")) else {}


def rules_status(case):
    return {"uhc": {"status": "meets_criteria"}, "cohere": {"status": "meets_criteria"}}


@pytest.fixture(scope="module")
def result(cases):
    return ml_baseline(cases, note_predictor=rules_note, determination_predictor=rules_status,
                       keys=["dementia", "psychosis"], n_splits=4)


def test_evaluation_ml_folds_never_split_a_case(result):
    assert result.n_splits == 4
    folds_per_case = result.oof.groupby("case_id")["fold"].nunique()
    assert (folds_per_case == 1).all() and len(folds_per_case) == N_CASES


@pytest.mark.parametrize(
    ("column", "expected"),
    [("positives", 4), ("positive_cases", 4), ("notes", 16), ("rules_precision", 1.0), ("rules_recall", 0.5),
     ("ml_f1", 1.0), ("winner", "ml")],
)
def test_evaluation_ml_note_table_against_rules(result, column, expected):
    row = result.notes.set_index("key").loc["dementia"]
    assert row[column] == pytest.approx(expected) if isinstance(expected, float) else row[column] == expected


def test_evaluation_ml_skips_keys_without_support(result):
    skipped = result.skipped.set_index("target")
    assert "psychosis" in skipped.index and "0 positive notes" in skipped.loc["psychosis", "reason"]
    assert "psychosis" not in set(result.notes["key"])


def test_evaluation_ml_status_baseline_per_payer(result):
    uhc = result.statuses.set_index("payer").loc["uhc"]
    assert uhc["cases"] == N_CASES and uhc["rules_accuracy"] == pytest.approx(0.5)
    assert uhc["ml_accuracy"] == pytest.approx(1.0)
    assert "cohere" in set(result.skipped["target"])  # a single status: nothing to learn


def test_evaluation_ml_reuses_given_determinations(cases):
    de = evaluate_determinations(cases, predictor=rules_status)
    assert isinstance(de, DeterminationEvaluation)
    out = ml_baseline(cases, note_predictor=rules_note, determinations=de, keys=["dementia"], n_splits=2)
    assert out.n_splits == 2 and len(out.note_folds) == 2
    assert out.to_dict()["caveat"].startswith(f"{N_CASES} cases")


@pytest.mark.parametrize(("y_train", "expected"), [([False, False], [False] * 3), (["a", "a"], ["a"] * 3)])
def test_evaluation_ml_single_class_training_fold_predicts_constant(y_train, expected):
    from screener.evaluation.ml_baseline import _fit_predict

    def no_model():
        raise AssertionError("a single-class fold must not fit a model")

    assert _fit_predict(no_model, ["x", "y"], y_train, ["p", "q", "r"]) == expected


def test_evaluation_ml_top_features_name_the_trigger(cases):
    feats = top_features(cases, "dementia", k=8)
    assert len(feats) == 8 and any("dementia" in g or "memory" in g for g in feats["ngram"])
