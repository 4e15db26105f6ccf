"""A learned baseline: TF-IDF + logistic regression, cross-validated by case.

Two tasks, each compared with the rule pipeline on the same folds:

- note level, per boolean finding key with enough support: "documented true in this
  note" vs not (gold note-level findings); the rules' answer is ``extract(note)``'s
  value ``is True``;
- case level, per payer: the gold determination status from the concatenated notes of
  the case; the rules' answer is ``screen_case``'s status.

Folds are ``GroupKFold`` over cases, so no note of a test case is seen in training.
Predictions of all folds are pooled before scoring (per-fold F1 is kept as well, to
show the spread). With a few dozen notes this is a sanity check of where a learned
model could help, not a verdict: say so wherever the figures are shown.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..gold import GoldCase
from ..vocabulary import vocabulary
from . import metrics
from .determinations import DeterminationEvaluation, DeterminationPredictor, evaluate_determinations
from .findings import FindingPredictions, NotePredictor, predict_findings

WIN_MARGIN = 0.05
"""An F1 (or accuracy) difference smaller than this is called a tie."""


def default_vectorizer():
    """TF-IDF over word 1-2 grams with sublinear tf (fit on the training fold only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)


def default_classifier():
    """Class-balanced logistic regression, scikit-learn's default strength (C=1), liblinear
    (one-vs-rest for several classes): a plain baseline, not a tuned model."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(class_weight="balanced", C=1.0, solver="liblinear", dual=True, max_iter=1000)


def default_model():
    """``default_vectorizer`` + ``default_classifier`` as one scikit-learn pipeline."""
    from sklearn.pipeline import make_pipeline

    return make_pipeline(default_vectorizer(), default_classifier())


def _folds(groups: Sequence[str], n_splits: int):
    from sklearn.model_selection import GroupKFold

    n_groups = len(set(groups))
    k = max(2, min(n_splits, n_groups))
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups)), k


def _fit_predict(classifier_factory: Callable[[], Any], x_train, y_train, x_test) -> list:
    """Fit and predict; a training fold with a single class predicts that class."""
    classes = set(np.asarray(y_train).tolist())
    if len(classes) == 1:
        n_test = x_test.shape[0] if hasattr(x_test, "shape") else len(x_test)
        return [next(iter(classes))] * n_test
    model = classifier_factory()
    model.fit(x_train, np.asarray(y_train))
    return list(model.predict(x_test))


def _fold_matrices(vectorizer_factory, texts: Sequence[str], folds):
    """One TF-IDF per fold, fit on the training notes only, shared by every target."""
    out = []
    for train, test in folds:
        vec = vectorizer_factory()
        x_train = vec.fit_transform([texts[j] for j in train])
        out.append((train, test, x_train, vec.transform([texts[j] for j in test])))
    return out


def _winner(rules: float, ml: float) -> str:
    if rules != rules and ml != ml:
        return "n/a"
    rules = 0.0 if rules != rules else rules
    ml = 0.0 if ml != ml else ml
    if abs(rules - ml) < WIN_MARGIN:
        return "tie"
    return "rules" if rules > ml else "ml"


@dataclass
class MLBaseline:
    """Results of ``ml_baseline``.

    - ``notes``: per boolean key: notes, positives, cases with a positive, rules P/R/F1,
      ML P/R/F1 (pooled out-of-fold), winner;
    - ``note_folds``: per key and fold: test notes, positives, rules F1, ML F1;
    - ``statuses``: per payer: cases, classes, rules / ML / majority-class accuracy;
    - ``skipped``: keys or payers not modelled and why;
    - ``oof``: note-level out-of-fold predictions (case, note, key, gold, rules, ml, fold).
    """

    notes: pd.DataFrame
    note_folds: pd.DataFrame
    statuses: pd.DataFrame
    skipped: pd.DataFrame
    oof: pd.DataFrame
    n_cases: int = 0
    n_notes: int = 0
    n_splits: int = 0
    caveat: str = field(default="")

    def to_dict(self) -> dict[str, Any]:
        def rec(frame):
            return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                    for r in frame.to_dict(orient="records")]

        return {"n_cases": self.n_cases, "n_notes": self.n_notes, "n_splits": self.n_splits,
                "caveat": self.caveat, "notes": rec(self.notes), "statuses": rec(self.statuses),
                "skipped": rec(self.skipped)}


def ml_baseline(
    cases: Sequence[GoldCase],
    *,
    predictions: FindingPredictions | None = None,
    note_predictor: NotePredictor | None = None,
    determinations: DeterminationEvaluation | None = None,
    determination_predictor: DeterminationPredictor | None = None,
    keys: Sequence[str] | None = None,
    n_splits: int = 5,
    min_positive: int = 3,
    min_negative: int = 3,
    min_positive_cases: int = 2,
    vectorizer_factory: Callable[[], Any] | None = None,
    classifier_factory: Callable[[], Any] | None = None,
    statuses: bool = True,
) -> MLBaseline:
    """Cross-validate TF-IDF + LR against the rules (see the module docstring).

    A boolean key is modelled when it has at least ``min_positive`` positive notes spread
    over ``min_positive_cases`` cases and ``min_negative`` other notes.
    """
    vectorizer_factory = vectorizer_factory or default_vectorizer
    classifier_factory = classifier_factory or default_classifier
    vocab = vocabulary()
    if predictions is None or not predictions.note:
        predictions = predict_findings(cases, levels=("note",), note_predictor=note_predictor)
    note_rows = [(c.case_id, g.note.note_id, g.note.text, g.findings) for c in cases for g in c.notes]
    texts = [r[2] for r in note_rows]
    groups = [r[0] for r in note_rows]
    folds, k = _folds(groups, n_splits) if len(set(groups)) >= 2 else ([], 0)
    matrices = None  # built on first use: skipped keys cost nothing
    candidate = keys if keys is not None else [key for key, spec in vocab.items() if spec.type == "bool"]

    key_rows, fold_rows, skipped_rows, oof_rows = [], [], [], []
    for key in candidate:
        gold = np.array([r[3].get(key) is True for r in note_rows])
        pos, neg = int(gold.sum()), int((~gold).sum())
        pos_cases = len({g for g, y in zip(groups, gold) if y})
        if not folds or pos < min_positive or neg < min_negative or pos_cases < min_positive_cases:
            skipped_rows.append({"task": "note", "target": key,
                                 "reason": f"support: {pos} positive notes in {pos_cases} cases, {neg} others"})
            continue
        rules = np.array([
            metrics.value_of((predictions.note.get((c, n)) or {}).get(key)) is True
            for c, n, _, _ in note_rows
        ])
        if matrices is None:
            matrices = _fold_matrices(vectorizer_factory, texts, folds)
        ml = np.zeros(len(note_rows), dtype=bool)
        fold_of = np.zeros(len(note_rows), dtype=int)
        for i, (train, test, x_train, x_test) in enumerate(matrices):
            ml[test] = _fit_predict(classifier_factory, x_train, gold[train], x_test)
            fold_of[test] = i
            fold_rows.append({"key": key, "fold": i, "test_notes": len(test), "positives": int(gold[test].sum()),
                              "rules_f1": metrics.binary_prf(gold[test], rules[test])["f1"],
                              "ml_f1": metrics.binary_prf(gold[test], ml[test])["f1"]})
        r, m = metrics.binary_prf(gold, rules), metrics.binary_prf(gold, ml)
        key_rows.append({"key": key, "group": vocab[key].group if key in vocab else "", "notes": len(gold),
                         "positives": pos, "positive_cases": pos_cases,
                         "rules_precision": r["precision"], "rules_recall": r["recall"], "rules_f1": r["f1"],
                         "ml_precision": m["precision"], "ml_recall": m["recall"], "ml_f1": m["f1"],
                         "winner": _winner(r["f1"], m["f1"])})
        oof_rows += [{"case_id": c, "note_id": n, "key": key, "gold": bool(g), "rules": bool(rv), "ml": bool(mv),
                      "fold": int(f)}
                     for (c, n, _, _), g, rv, mv, f in zip(note_rows, gold, rules, ml, fold_of)]

    status_rows = []
    if statuses:
        status_rows, more_skipped = _status_baseline(cases, determinations, determination_predictor,
                                                     vectorizer_factory, classifier_factory, n_splits)
        skipped_rows += more_skipped

    caveat = (f"{len(cases)} cases / {len(note_rows)} notes, {k}-fold GroupKFold by case: "
              "figures move by whole notes, so differences under ~0.1 F1 are noise.")
    return MLBaseline(
        notes=pd.DataFrame(key_rows, columns=["key", "group", "notes", "positives", "positive_cases",
                                              "rules_precision", "rules_recall", "rules_f1",
                                              "ml_precision", "ml_recall", "ml_f1", "winner"]),
        note_folds=pd.DataFrame(fold_rows, columns=["key", "fold", "test_notes", "positives", "rules_f1", "ml_f1"]),
        statuses=pd.DataFrame(status_rows, columns=["payer", "cases", "classes", "rules_accuracy", "ml_accuracy",
                                                    "majority_accuracy", "winner"]),
        skipped=pd.DataFrame(skipped_rows, columns=["task", "target", "reason"]),
        oof=pd.DataFrame(oof_rows, columns=["case_id", "note_id", "key", "gold", "rules", "ml", "fold"]),
        n_cases=len(cases), n_notes=len(note_rows), n_splits=k, caveat=caveat,
    )


def _status_baseline(cases, determinations, determination_predictor, vectorizer_factory, classifier_factory,
                     n_splits):
    rows, skipped = [], []
    payers = sorted({p for c in cases for p in c.determinations})
    if not payers:
        return rows, skipped
    if determinations is None:
        determinations = evaluate_determinations(cases, predictor=determination_predictor)
    rule_status = {(r.case_id, r.payer): r.predicted for r in determinations.rows.itertuples(index=False)}
    case_text = {c.case_id: "\n\n".join(g.note.text for g in c.notes) for c in cases}
    for payer in payers:
        scored = [c for c in cases if payer in c.determinations]
        gold = np.array([c.determinations[payer] for c in scored])
        if len(scored) < 4 or len(set(gold)) < 2:
            skipped.append({"task": "status", "target": payer,
                            "reason": f"{len(scored)} cases, {len(set(gold))} distinct statuses"})
            continue
        ids = [c.case_id for c in scored]
        folds, _ = _folds(ids, n_splits)
        ml = np.empty(len(scored), dtype=object)
        majority = np.empty(len(scored), dtype=object)
        for train, test, x_train, x_test in _fold_matrices(vectorizer_factory, [case_text[i] for i in ids], folds):
            ml[test] = _fit_predict(classifier_factory, x_train, gold[train], x_test)
            values, counts_ = np.unique(gold[train], return_counts=True)
            majority[test] = values[int(np.argmax(counts_))]
        rules = np.array([rule_status.get((cid, payer), "none") for cid in ids])
        r_acc, m_acc = float((rules == gold).mean()), float((ml == gold).mean())
        rows.append({"payer": payer, "cases": len(scored), "classes": len(set(gold)),
                     "rules_accuracy": r_acc, "ml_accuracy": m_acc,
                     "majority_accuracy": float((majority == gold).mean()), "winner": _winner(r_acc, m_acc)})
    return rows, skipped


def top_features(cases: Sequence[GoldCase], key: str, k: int = 10, model_factory: Callable[[], Any] | None = None
                 ) -> pd.DataFrame:
    """The n-grams with the largest positive weights when the model is fit on every note
    (what the learned model keys on; the rules' trigger phrases are the comparison)."""
    model = (model_factory or default_model)()
    texts = [g.note.text for c in cases for g in c.notes]
    y = [g.findings.get(key) is True for c in cases for g in c.notes]
    if len(set(y)) < 2:
        return pd.DataFrame(columns=["key", "ngram", "weight"])
    model.fit(texts, y)
    vec, lr = model.steps[0][1], model.steps[-1][1]
    names = vec.get_feature_names_out()
    order = np.argsort(lr.coef_[0])[::-1][:k]
    return pd.DataFrame({"key": key, "ngram": names[order], "weight": lr.coef_[0][order]})
