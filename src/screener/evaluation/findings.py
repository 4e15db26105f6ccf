"""Findings evaluation: extracted values against the gold values of ``screener.gold``.

Two levels are scored, both over every finding key of the vocabulary:

- ``case``: ``extract_case(notes)`` against the case's ``findings`` in ``case.yaml``;
- ``note``: ``extract(text)`` of each note against that note's ``findings``.

Scoring (``metrics.outcome``): same value = TP; gold null + predicted non-null = FP;
gold non-null + predicted null = FN; both non-null but different = one FP *and* one FN.
Numbers agree within 1 point (absolute), booleans and enums exactly.

The predictors are injectable (``note_predictor(note) -> Findings``,
``case_predictor(notes) -> Findings``) so the metric code is tested with hand-made
predictions; by default they call ``screener.extraction``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..gold import GoldCase
from ..model import Note
from ..vocabulary import vocabulary
from . import metrics

NotePredictor = Callable[[Note], Mapping[str, Any]]
CasePredictor = Callable[[Sequence[Note]], Mapping[str, Any]]
LEVELS = ("case", "note")


def default_note_predictor(note: Note) -> Mapping[str, Any]:
    """``screener.extraction.extract`` on one note (imported on first use)."""
    from ..extraction import extract

    return extract(note.text, note_date=note.note_date, note_id=note.note_id)


def default_case_predictor(notes: Sequence[Note]) -> Mapping[str, Any]:
    """``screener.extraction.extract_case`` on a case's notes (imported on first use)."""
    from ..extraction import extract_case

    return extract_case(list(notes))


@dataclass
class FindingPredictions:
    """Predicted Findings per case (``case``) and per (case_id, note_id) (``note``)."""

    case: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    note: dict[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)


def predict_findings(
    cases: Sequence[GoldCase],
    *,
    levels: Iterable[str] = LEVELS,
    note_predictor: NotePredictor | None = None,
    case_predictor: CasePredictor | None = None,
) -> FindingPredictions:
    """Run the predictors once over the gold cases (reused by the ML baseline)."""
    levels = tuple(levels)
    note_predictor = note_predictor or default_note_predictor
    case_predictor = case_predictor or default_case_predictor
    out = FindingPredictions()
    for case in cases:
        if "case" in levels:
            out.case[case.case_id] = case_predictor(case.plain_notes)
        if "note" in levels:
            for gnote in case.notes:
                out.note[(case.case_id, gnote.note.note_id)] = note_predictor(gnote.note)
    return out


def _evidence_of(item: Any) -> tuple[str, str]:
    """(evidence text, note ids) of a predicted Finding, Finding dict, or plain value."""
    if isinstance(item, Mapping):
        evidence = item.get("evidence") or ()
    else:
        evidence = getattr(item, "evidence", None) or ()
    texts, note_ids = [], []
    for ev in evidence:
        get = ev.get if isinstance(ev, Mapping) else (lambda name, _ev=ev: getattr(_ev, name, None))
        if get("text"):
            texts.append(str(get("text")))
        nid = get("note_id")
        if nid and str(nid) not in note_ids:
            note_ids.append(str(nid))
    return " | ".join(texts), ", ".join(note_ids)


def _compare(level: str, case_id: str, note_id: str | None, gold: Mapping[str, Any],
             predicted: Mapping[str, Any]) -> list[dict[str, Any]]:
    vocab = vocabulary()
    pred_values = metrics.plain_values(predicted)
    keys = list(vocab) + sorted((set(gold) | set(pred_values)) - set(vocab))
    rows = []
    for key in keys:
        spec = vocab.get(key)
        g = gold.get(key)
        p = pred_values.get(key)
        result = metrics.outcome(g, p, spec.type if spec else None, key=key)
        if result == metrics.TN:
            continue
        text, ev_notes = _evidence_of(predicted.get(key)) if p is not None else ("", "")
        rows.append({
            "level": level,
            "case_id": case_id,
            "note_id": note_id if note_id is not None else ev_notes,
            "key": key,
            "group": spec.group if spec else "",
            "type": spec.type if spec else "",
            "gold": g,
            "predicted": p,
            "outcome": result,
            "evidence": text,
        })
    return rows


COMPARISON_COLUMNS = ["level", "case_id", "note_id", "key", "group", "type", "gold", "predicted", "outcome", "evidence"]
PER_KEY_COLUMNS = ["level", "key", "group", "type", "support", "predicted", "tp", "fp", "fn", "precision", "recall", "f1"]
SUMMARY_COLUMNS = ["level", "units", "tp", "fp", "fn", "precision", "recall", "f1", "macro_f1", "keys_scored"]
ERROR_KINDS = {metrics.FP: "FP (gold null)", metrics.FN: "FN (not extracted)", metrics.WRONG: "wrong value (FP+FN)"}


def score_comparisons(comparisons: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-key and micro/macro tables from a comparisons table (one row per non-TN pair)."""
    per_key_rows, summary_rows = [], []
    for level, frame in comparisons.groupby("level", sort=False):
        for key, kframe in frame.groupby("key", sort=False):
            c = metrics.counts(kframe["outcome"])
            per_key_rows.append({
                "level": level, "key": key, "group": kframe["group"].iloc[0], "type": kframe["type"].iloc[0],
                "support": int(kframe["gold"].notna().sum()),
                "predicted": int(kframe["predicted"].notna().sum()),
                **c, **metrics.prf(**c),
            })
        c = metrics.counts(frame["outcome"])
        summary_rows.append({"level": level, **c, **metrics.prf(**c)})
    per_key = pd.DataFrame(per_key_rows, columns=PER_KEY_COLUMNS)
    summary = pd.DataFrame(summary_rows)
    if not summary.empty:
        macro = per_key.groupby("level", sort=False).agg(macro_f1=("f1", "mean"), keys_scored=("key", "count"))
        summary = summary.merge(macro, left_on="level", right_index=True, how="left")
    return per_key, summary


@dataclass
class FindingsEvaluation:
    """Tidy tables of a findings evaluation.

    - ``comparisons``: every (level, case, note, key) pair that is not a true negative;
    - ``per_key``: support (gold non-null), predicted non-null, tp/fp/fn, P/R/F1 per key;
    - ``summary``: micro P/R/F1 per level (plus macro F1 over the keys scored);
    - ``errors``: the FP/FN/wrong rows with the prediction's evidence text (PHI: the
      listing quotes the notes; show it to people who may read them).
    """

    comparisons: pd.DataFrame
    per_key: pd.DataFrame
    summary: pd.DataFrame
    errors: pd.DataFrame
    n_cases: int = 0
    n_notes: int = 0

    def micro_f1(self, level: str = "case") -> float:
        row = self.summary[self.summary["level"] == level]
        return float(row["f1"].iloc[0]) if len(row) else float("nan")

    def to_dict(self, include_errors: bool = True) -> dict[str, Any]:
        out = {
            "n_cases": self.n_cases,
            "n_notes": self.n_notes,
            "summary": _records(self.summary),
            "per_key": _records(self.per_key),
        }
        if include_errors:
            out["errors"] = _records(self.errors)
        return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-friendly records (NaN -> None)."""
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def evaluate_findings(
    cases: Sequence[GoldCase],
    *,
    levels: Iterable[str] = LEVELS,
    predictions: FindingPredictions | None = None,
    note_predictor: NotePredictor | None = None,
    case_predictor: CasePredictor | None = None,
) -> FindingsEvaluation:
    """Score extracted findings against gold at the case and/or note level.

    ``predictions`` (from ``predict_findings``) skips running the predictors again.
    """
    levels = tuple(levels)
    unknown = set(levels) - set(LEVELS)
    if unknown:
        raise ValueError(f"unknown level(s) {sorted(unknown)}; use {list(LEVELS)}")
    if predictions is None:
        predictions = predict_findings(cases, levels=levels, note_predictor=note_predictor,
                                       case_predictor=case_predictor)
    rows: list[dict[str, Any]] = []
    for case in cases:
        if "case" in levels:
            rows += _compare("case", case.case_id, None, case.findings, predictions.case.get(case.case_id) or {})
        if "note" in levels:
            for gnote in case.notes:
                nid = gnote.note.note_id
                rows += _compare("note", case.case_id, nid, gnote.findings,
                                 predictions.note.get((case.case_id, nid)) or {})
    comparisons = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    per_key, summary = score_comparisons(comparisons)
    units = {"case": len(cases), "note": sum(len(c.notes) for c in cases)}
    if not summary.empty:
        summary.insert(1, "units", summary["level"].map(units))
        summary = summary.reindex(columns=SUMMARY_COLUMNS)
    else:
        summary = pd.DataFrame(columns=SUMMARY_COLUMNS)
    errors = comparisons[comparisons["outcome"] != metrics.TP].copy()
    errors.insert(errors.columns.get_loc("outcome") + 1, "error", errors["outcome"].map(ERROR_KINDS))
    errors = errors.reset_index(drop=True)
    return FindingsEvaluation(
        comparisons=comparisons, per_key=per_key, summary=summary, errors=errors,
        n_cases=units["case"], n_notes=units["note"],
    )
