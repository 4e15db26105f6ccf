"""Determination evaluation: predicted status per payer against the gold status.

For each gold case and each payer named under ``determinations`` in ``case.yaml`` the
predicted determination (``screen_case`` end to end, by default) is compared with the
gold status (contract.md statuses). Reported: per-payer confusion matrices, accuracy,
and the criteria that drive the disagreements:

- ``failed`` criterion ids and ``missing`` finding keys of the predicted determination
  of every disagreeing case;
- ``wrong_confidence``: per payer, the determinations that say more than the gold does,
  worst first: a ``meets_criteria`` the gold does not give (the screener vouches for a
  case a reviewer would not), then a ``does_not_meet`` the gold does not give (a clinician
  is sent to look at a case that meets or lacks documentation);
- optionally, criteria whose result differs from a *reference* run of the criteria
  engine on the gold findings (``determine(case.findings)``): that separates errors of
  extraction (the reference agrees with gold) from errors of the rules (it does not).

Predictors are injectable: ``predictor(case) -> {payer: determination dict}``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..gold import GoldCase

STATUSES = ("meets_criteria", "does_not_meet", "insufficient_documentation", "external_criteria", "not_addressed")
Determinations = Mapping[str, Mapping[str, Any]]
DeterminationPredictor = Callable[[GoldCase], Determinations]


def pipeline_predictor(case: GoldCase) -> Determinations:
    """End to end: ``screener.pipeline.screen_case`` on the case's notes."""
    from ..pipeline import screen_case

    record = screen_case(case.plain_notes, service_date=case.service_date)
    return record.get("determinations") or {}


def gold_findings_predictor(case: GoldCase) -> Determinations:
    """The criteria engine alone, on the gold findings (no extraction errors)."""
    from ..criteria import determine

    findings = dict(case.findings)
    if case.request_type:  # the input column overrides the notes
        findings["request_type"] = case.request_type
    return determine(findings, service_date=case.service_date)


def _most_specific(ids: Sequence[str]) -> list[str]:
    """Drop a criterion id when one of its descendants (``id.``-prefixed) is also listed:
    a parent node differs because a child does, and the child names the cause."""
    return [cid for cid in ids if not any(other.startswith(cid + ".") for other in ids)]


def _criteria_results(determination: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for crit in determination.get("criteria") or ():
        if isinstance(crit, Mapping) and crit.get("id"):
            out[str(crit["id"])] = str(crit.get("result"))
    return out


@dataclass
class DeterminationEvaluation:
    """Tables of a determination evaluation.

    - ``rows``: one row per (case, payer): gold, predicted, agree, failed, missing,
      reasons, reference status (when a reference predictor ran), differing criteria;
    - ``confusion``: payer -> gold (rows) x predicted (columns) counts;
    - ``accuracy``: payer, n, correct, accuracy (plus an ``all`` row);
    - ``drivers``: what the disagreeing determinations failed on / missed, counted;
    - ``wrong_confidence``: payer, n, false_meets_criteria, false_does_not_meet and the
      cases behind each (plus an ``all`` row).
    """

    rows: pd.DataFrame
    confusion: dict[str, pd.DataFrame]
    accuracy: pd.DataFrame
    drivers: pd.DataFrame
    labels: tuple[str, ...] = field(default=STATUSES)

    @property
    def wrong_confidence(self) -> pd.DataFrame:
        return wrong_confidence(self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "wrong_confidence": self.wrong_confidence.to_dict(orient="records"),
            "accuracy": self.accuracy.to_dict(orient="records"),
            "confusion": {p: {g: row.to_dict() for g, row in m.iterrows()} for p, m in self.confusion.items()},
            "drivers": self.drivers.to_dict(orient="records"),
            "rows": [
                {k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items()}
                for r in self.rows.to_dict(orient="records")
            ],
        }


ROW_COLUMNS = ["case_id", "payer", "gold", "predicted", "agree", "failed", "missing", "reasons",
               "reference", "criteria_differing"]
DRIVER_COLUMNS = ["payer", "kind", "item", "n", "cases"]


def confusion_matrix(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = STATUSES) -> pd.DataFrame:
    """Counts with gold statuses as rows and predicted statuses as columns (all labels kept)."""
    extra = sorted((set(gold) | set(predicted)) - set(labels))
    labels = list(labels) + extra
    matrix = pd.DataFrame(0, index=pd.Index(labels, name="gold"), columns=pd.Index(labels, name="predicted"))
    for g, p in zip(gold, predicted, strict=True):
        matrix.loc[g, p] += 1
    return matrix


def trim_confusion(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix restricted to labels that occur as gold or as prediction."""
    keep = [lab for lab in matrix.index
            if matrix.loc[lab].sum() > 0 or (lab in matrix.columns and matrix[lab].sum() > 0)]
    return matrix.loc[keep, [c for c in matrix.columns if c in keep]] if keep else matrix


def evaluate_determinations(
    cases: Sequence[GoldCase],
    *,
    predictor: DeterminationPredictor | None = None,
    reference: DeterminationPredictor | None | bool = None,
    payers: Sequence[str] | None = None,
) -> DeterminationEvaluation:
    """Compare predicted with gold statuses for every case and payer with a gold status.

    ``reference=True`` runs ``gold_findings_predictor`` as reference; a callable is used
    as is; ``None``/``False`` skips the reference.
    """
    predictor = predictor or pipeline_predictor
    if reference is True:
        reference = gold_findings_predictor
    rows = []
    for case in cases:
        if not case.determinations:
            continue
        predicted = predictor(case) or {}
        ref = reference(case) if callable(reference) else None
        for payer, gold_status in case.determinations.items():
            if payers is not None and payer not in payers:
                continue
            det = predicted.get(payer) or {}
            status = str(det.get("status") or "none")
            ref_det = (ref or {}).get(payer) or {}
            differing = ()
            if ref is not None:
                mine, theirs = _criteria_results(det), _criteria_results(ref_det)
                ids = [cid for cid in sorted(set(mine) | set(theirs)) if mine.get(cid) != theirs.get(cid)]
                differing = tuple(
                    f"{cid}: {mine.get(cid, '-')} (gold findings: {theirs.get(cid, '-')})"
                    for cid in _most_specific(ids)
                )
            rows.append({
                "case_id": case.case_id,
                "payer": payer,
                "gold": gold_status,
                "predicted": status,
                "agree": status == gold_status,
                "failed": tuple(det.get("failed") or ()),
                "missing": tuple(det.get("missing") or ()),
                "reasons": tuple(det.get("reasons") or ()),
                "reference": (str(ref_det.get("status") or "none") if ref is not None else None),
                "criteria_differing": differing,
            })
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    confusion, accuracy_rows = {}, []
    for payer, pframe in frame.groupby("payer", sort=True):
        confusion[payer] = confusion_matrix(list(pframe["gold"]), list(pframe["predicted"]))
        accuracy_rows.append(_accuracy_row(payer, pframe))
    if len(frame):
        accuracy_rows.append(_accuracy_row("all", frame))
    accuracy = pd.DataFrame(accuracy_rows, columns=["payer", "n", "correct", "accuracy", "reference_accuracy"])
    return DeterminationEvaluation(rows=frame, confusion=confusion, accuracy=accuracy,
                                   drivers=_drivers(frame))


WRONG_CONFIDENCE_COLUMNS = ["payer", "n", "false_meets_criteria", "false_does_not_meet",
                            "false_meets_cases", "false_does_not_meet_cases"]


def wrong_confidence(rows: pd.DataFrame) -> pd.DataFrame:
    """Per payer (and ``all``): predicted ``meets_criteria`` where the gold says otherwise,
    and predicted ``does_not_meet`` where the gold says otherwise, with their case ids."""
    out = []
    groups = [(payer, frame) for payer, frame in rows.groupby("payer", sort=True)]
    if len(rows):
        groups.append(("all", rows))
    for payer, frame in groups:
        row: dict[str, Any] = {"payer": payer, "n": len(frame)}
        for status, count_column, cases_column in (
            ("meets_criteria", "false_meets_criteria", "false_meets_cases"),
            ("does_not_meet", "false_does_not_meet", "false_does_not_meet_cases"),
        ):
            wrong = frame[(frame["predicted"] == status) & (frame["gold"] != status)]
            row[count_column] = len(wrong)
            # the "all" row names the payer too
            row[cases_column] = ", ".join(f"{c} {p}" if payer == "all" else str(c)
                                             for c, p in zip(wrong["case_id"], wrong["payer"]))
        out.append(row)
    return pd.DataFrame(out, columns=WRONG_CONFIDENCE_COLUMNS)


def _accuracy_row(payer: str, frame: pd.DataFrame) -> dict[str, Any]:
    n = len(frame)
    correct = int(frame["agree"].sum())
    ref = frame["reference"]
    ref_acc = float((ref == frame["gold"]).mean()) if n and ref.notna().all() else float("nan")
    return {"payer": payer, "n": n, "correct": correct, "accuracy": correct / n if n else float("nan"),
            "reference_accuracy": ref_acc}


def _drivers(frame: pd.DataFrame) -> pd.DataFrame:
    """Count the failed criteria, missing findings and differing criteria over disagreements."""
    tally: dict[tuple[str, str, str], list[str]] = {}
    for row in frame[~frame["agree"]].itertuples(index=False):
        items = [("failed criterion", c) for c in row.failed]
        items += [("missing finding", m) for m in row.missing]
        items += [("criterion differs from gold-findings run", d.split(":", 1)[0]) for d in row.criteria_differing]
        if not items:
            items = [("no failed/missing item", f"{row.gold} -> {row.predicted}")]
        for kind, item in items:
            tally.setdefault((row.payer, kind, item), []).append(row.case_id)
    out = pd.DataFrame(
        [{"payer": p, "kind": k, "item": i, "n": len(c), "cases": ", ".join(sorted(set(c)))}
         for (p, k, i), c in tally.items()],
        columns=DRIVER_COLUMNS,
    )
    return out.sort_values(["payer", "n", "kind", "item"], ascending=[True, False, True, True]).reset_index(drop=True)
