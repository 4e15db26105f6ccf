"""Scoring primitives shared by every evaluation: value comparison and P/R/F1.

The comparison implements the gold convention of ``screener.gold``: numbers match
within ``NUMBER_TOLERANCE`` (absolute) *and* on the same side of every threshold a payer
applies to that key (``payer_thresholds``: an Ashworth drop of 0 against 1, NRS 6 against
7 or 49 against 50% relief is wrong whatever the tolerance), booleans and enum strings
match exactly, and a key that is not documented is ``None``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..criteria.ops import OPS
from ..criteria.thresholds import payer_thresholds

NUMBER_TOLERANCE = 1.0
"""Two numbers agree when they differ by at most this much (absolute), e.g. 62.5 vs 62."""

# The outcome of one (gold, predicted) pair.
TP, FP, FN, WRONG, TN = "tp", "fp", "fn", "wrong", "tn"
"""``wrong`` = both non-null but different: counted as one FP and one FN."""


def same_side(key: str | None, gold: float, predicted: float) -> bool:
    """Whether every payer threshold on ``key`` judges the two numbers alike."""
    for op, value in payer_thresholds().get(key or "", ()):
        if OPS[op].func(gold, value) != OPS[op].func(predicted, value):
            return False
    return True


def value_of(item: Any) -> Any:
    """The plain value of a Finding (or of anything with ``.value``), else ``item`` itself."""
    return getattr(item, "value", item)


def values_equal(gold: Any, predicted: Any, kind: str | None = None, tolerance: float = NUMBER_TOLERANCE,
                 key: str | None = None) -> bool:
    """True when two non-null values agree under the gold convention.

    ``kind`` is the finding type (``number`` / ``bool`` / ``enum``); when ``None`` it is
    inferred from the gold value. A bool never equals a number (``True != 1``). With a
    ``key``, two numbers must also lie on the same side of every payer threshold on it.
    """
    if kind is None:
        kind = "bool" if isinstance(gold, bool) else "number" if isinstance(gold, (int, float)) else "enum"
    if kind == "number":
        if isinstance(gold, bool) or isinstance(predicted, bool):
            return False
        try:
            g, p = float(gold), float(predicted)
        except (TypeError, ValueError):
            return False
        return abs(g - p) <= tolerance and (key is None or same_side(key, g, p))
    if kind == "bool":
        return isinstance(predicted, bool) and predicted is gold
    return str(gold) == str(predicted) and not isinstance(predicted, bool)


def outcome(gold: Any, predicted: Any, kind: str | None = None, tolerance: float = NUMBER_TOLERANCE,
            key: str | None = None) -> str:
    """Classify one pair: ``tp``, ``fp`` (gold null), ``fn`` (predicted null), ``wrong``, ``tn``
    (``key``: numbers on two sides of a payer threshold on that key are ``wrong``)."""
    if gold is None and predicted is None:
        return TN
    if gold is None:
        return FP
    if predicted is None:
        return FN
    return TP if values_equal(gold, predicted, kind, tolerance, key) else WRONG


def counts(outcomes: Iterable[str]) -> dict[str, int]:
    """tp/fp/fn counts from outcomes; a ``wrong`` adds one FP and one FN."""
    tp = fp = fn = 0
    for o in outcomes:
        if o == TP:
            tp += 1
        elif o == FP:
            fp += 1
        elif o == FN:
            fn += 1
        elif o == WRONG:
            fp += 1
            fn += 1
    return {"tp": tp, "fp": fp, "fn": fn}


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1; an empty denominator gives NaN (nothing to measure)."""
    nan = float("nan")
    precision = tp / (tp + fp) if tp + fp else nan
    recall = tp / (tp + fn) if tp + fn else nan
    if tp + fp + fn == 0:
        f1 = nan
    else:
        f1 = 2 * tp / (2 * tp + fp + fn)
    return {"precision": precision, "recall": recall, "f1": f1}


def binary_prf(gold: Iterable[bool], predicted: Iterable[bool]) -> dict[str, float]:
    """P/R/F1 of the positive class for two aligned boolean sequences, with the counts."""
    tp = fp = fn = tn = 0
    for g, p in zip(gold, predicted, strict=True):
        if g and p:
            tp += 1
        elif p:
            fp += 1
        elif g:
            fn += 1
        else:
            tn += 1
    out: dict[str, float] = {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
    out.update(prf(tp, fp, fn))
    return out


def plain_values(findings: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{key: value}`` from Findings (``Finding`` objects) or from plain values; nulls dropped."""
    out = {}
    for key, item in (findings or {}).items():
        value = value_of(item)
        if isinstance(value, dict) and "value" in value:  # a case record's finding dict
            value = value["value"]
        if value is not None:
            out[key] = value
    return out
