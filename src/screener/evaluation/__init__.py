"""How good is the screener: findings, determinations, assertion and an ML baseline.

Python API (the ``screener evaluate`` command and the notebooks call the same)::

    from screener.evaluation import evaluate, evaluate_findings, evaluate_determinations, \
        evaluate_assertion, ml_baseline
    from screener.gold import load_gold

    cases = load_gold("sample_notes")              # or your own gold folder (gold.py format)
    fe = evaluate_findings(cases)                  # .per_key .summary .errors
    de = evaluate_determinations(cases, reference=True)  # .confusion .accuracy .drivers
    ab = evaluate_assertion()                      # NegEx set; .scores .confusion
    ml = ml_baseline(cases)                        # TF-IDF + LR vs rules, GroupKFold by case

Every predictor is injectable, so the metrics can be checked on hand-made predictions
and pointed at another extractor. See docs/evaluation.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..gold import GoldCase, load_gold
from .assertion_benchmark import (
    NEGATION_F1_TARGET,
    PUBLISHED_BASELINE,
    AssertionBenchmark,
    default_negex_path,
    evaluate_assertion,
    load_negex,
    negspacy_assertion,
)
from .determinations import (
    STATUSES,
    DeterminationEvaluation,
    confusion_matrix,
    evaluate_determinations,
    gold_findings_predictor,
    pipeline_predictor,
    trim_confusion,
)
from .findings import FindingPredictions, FindingsEvaluation, evaluate_findings, predict_findings
from .metrics import NUMBER_TOLERANCE, binary_prf, outcome, prf, values_equal
from .ml_baseline import MLBaseline, ml_baseline, top_features

__all__ = [
    "NEGATION_F1_TARGET", "NUMBER_TOLERANCE", "PUBLISHED_BASELINE", "STATUSES",
    "AssertionBenchmark", "DeterminationEvaluation", "Evaluation", "FindingPredictions", "FindingsEvaluation",
    "MLBaseline", "binary_prf", "confusion_matrix", "default_gold_dir", "default_negex_path", "evaluate", "evaluate_assertion",
    "evaluate_determinations", "evaluate_findings", "gold_findings_predictor", "load_gold", "load_negex",
    "ml_baseline", "negspacy_assertion", "outcome", "pipeline_predictor", "predict_findings", "prf",
    "top_features", "trim_confusion", "values_equal",
]


def default_gold_dir() -> Path:
    """``$SCREENER_GOLD_DIR``, else the bundled ``sample_notes`` (checkout or wheel)."""
    import os
    from importlib import resources

    from ..paths import repo_root

    env = os.environ.get("SCREENER_GOLD_DIR")
    if env:
        return Path(env)
    root = repo_root()
    if root is not None and (root / "sample_notes").is_dir():
        return root / "sample_notes"
    return Path(str(resources.files("screener"))) / "sample_notes"


@dataclass
class Evaluation:
    """Everything ``evaluate`` measured (parts not asked for are ``None``)."""

    cases: list[GoldCase]
    findings: FindingsEvaluation
    determinations: DeterminationEvaluation | None = None
    assertion: AssertionBenchmark | None = None
    ml: MLBaseline | None = None

    def to_dict(self, include_errors: bool = True) -> dict[str, Any]:
        return {
            "cases": len(self.cases),
            "notes": sum(len(c.notes) for c in self.cases),
            "findings": self.findings.to_dict(include_errors=include_errors),
            "determinations": self.determinations.to_dict() if self.determinations else None,
            "assertion": self.assertion.to_dict() if self.assertion else None,
            "ml_baseline": self.ml.to_dict() if self.ml else None,
        }


def evaluate(
    gold_dir: Path | str,
    *,
    negex: Path | str | None = None,
    determinations: bool = True,
    reference: bool = True,
    ml: bool = False,
) -> Evaluation:
    """Findings (case and note level) and determinations on a gold folder; the NegEx
    benchmark when ``negex`` is a path; the ML baseline when ``ml``."""
    cases = load_gold(gold_dir)
    predictions = predict_findings(cases)
    fe = evaluate_findings(cases, predictions=predictions)
    de = None
    if determinations and any(c.determinations for c in cases):
        de = evaluate_determinations(cases, reference=reference)
    ab = evaluate_assertion(negex) if negex is not None else None
    mb = ml_baseline(cases, predictions=predictions, determinations=de) if ml else None
    return Evaluation(cases=cases, findings=fe, determinations=de, assertion=ab, ml=mb)
