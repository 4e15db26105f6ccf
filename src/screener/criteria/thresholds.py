"""The numbers that matter: every threshold the payers' criteria compare a finding with.

``payer_thresholds()`` reads every policy version under ``rules/payers/``. Three users:
the reader, which drops a bound from the notes that decides no threshold on its key
("6 months or less" against "> 3" and ">= 3") and keeps one that decides some as a bound
(``decides``), and a therapy's course only where it decides them (``decided_above``); the
criteria engine, which judges a bounded number threshold by threshold (``judged``); and the
evaluation, which counts a number on the wrong side of a threshold as wrong.
"""
from __future__ import annotations

from functools import lru_cache

from .ops import OPS


@lru_cache(maxsize=1)
def payer_thresholds() -> dict[str, tuple[tuple[str, float], ...]]:
    """Number key -> every ``(op, value)`` a payer's criteria compare it with (all policy
    versions under rules/payers/)."""
    from .schema import load_policies

    found: dict[str, set[tuple[str, float]]] = {}
    for versions in load_policies().values():
        for policy in versions:
            for node in policy.nodes():
                if node.kind == "leaf" and node.op in OPS and OPS[node.op].takes_value and node.op != "in" \
                        and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                    found.setdefault(node.finding, set()).add((node.op, float(node.value)))
    return {key: tuple(sorted(pairs)) for key, pairs in found.items()}


def _interval(bound: str, at: float) -> tuple[float, float]:
    return {">=": (at, 1e12), ">": (at + 1e-9, 1e12), "<=": (0.0, at), "<": (0.0, at - 1e-9)}[bound]


def judged(op_func, threshold: float, bound: str, at: float) -> bool | None:
    """A threshold on a number known only as a bound: True / False when every number within
    the bound is judged so, None when they differ."""
    lo, hi = _interval(bound, at)
    first, last = op_func(lo, threshold), op_func(hi, threshold)
    return first if first == last else None


def _decided(key: str, bound: str, at: float) -> list[bool]:
    """For each payer threshold on ``key``: whether "``key`` ``bound`` ``at``" decides it."""
    return [judged(OPS[op].func, t, bound, at) is not None for op, t in payer_thresholds().get(key, ())]


def decided_below(key: str, bound: float, inclusive: bool) -> bool:
    """Whether "``key`` is below ``bound``" (``<``, or ``<=`` when ``inclusive``) decides every
    payer threshold on ``key``: every number from 0 up to the bound is judged alike. "Life
    expectancy less than 3 months" decides "> 3" and ">= 3"; "less than 6 months" decides
    neither (5 passes, 2 fails); "3 months or less" does not decide ">= 3"."""
    if (bound if inclusive else bound - 1e-9) < 0:
        return False
    return all(_decided(key, "<=" if inclusive else "<", bound))


def decided_above(key: str, value: float) -> bool:
    """Whether "``key`` is at least ``value``" decides every payer threshold on ``key``: "PT x 8
    weeks" (at least 1.8 months of conservative care) decides nothing about ">= 6 months";
    "PT for 2 years" passes it whatever the rest of the care."""
    return all(_decided(key, ">=", value))


def decides(key: str, value) -> str:
    """``all`` | ``some`` | ``none``: how many payer thresholds on ``key`` a bounded value
    (``nlp.values.UpperBound`` / ``LowerBound``) decides ("life expectancy >= 3 months"
    decides ">= 3", not "> 3": ``some``)."""
    from ..nlp.values import bound_of

    results = _decided(key, bound_of(value), value.bound)
    if all(results):  # also when no payer compares the key with a number
        return "all"
    return "some" if any(results) else "none"
