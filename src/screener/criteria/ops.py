"""Leaf operators: a small name -> function registry (json-logic style).

Each operator says which finding types it applies to and whether it takes a ``value``;
the rule validator (``schema``) and the engine both read this table, so adding an
operator is one ``register`` call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Op:
    """One leaf operator: ``func(documented, expected) -> bool``."""

    name: str
    func: Callable[[Any, Any], bool]
    types: frozenset[str]  # finding types (findings.yaml) the operator applies to
    takes_value: bool
    words: str  # how a reason line reads the requirement: "at least 50%"


OPS: dict[str, Op] = {}


def register(op: Op) -> Op:
    if op.name in OPS:
        raise ValueError(f"operator {op.name!r} registered twice")
    OPS[op.name] = op
    return op


_NUMBER = frozenset({"number"})
register(Op("is_true", lambda a, _v: a is True, frozenset({"bool"}), False, "documented as present / done"))
register(Op("is_false", lambda a, _v: a is False, frozenset({"bool"}), False, "documented as absent"))
register(Op(">=", lambda a, v: a >= v, _NUMBER, True, "at least"))
register(Op(">", lambda a, v: a > v, _NUMBER, True, "more than"))
register(Op("<=", lambda a, v: a <= v, _NUMBER, True, "at most"))
register(Op("<", lambda a, v: a < v, _NUMBER, True, "less than"))
register(Op("==", lambda a, v: a == v, frozenset({"number", "bool", "enum"}), True, "exactly"))
register(Op("in", lambda a, v: a in v, frozenset({"number", "enum"}), True, "one of"))


def coerce(kind: str, value: Any) -> tuple[bool, Any]:
    """Bring a documented value to its finding type; ``(False, None)`` when it does not fit."""
    if kind == "bool":
        return (True, value) if isinstance(value, bool) else (False, None)
    if kind == "number":
        if isinstance(value, bool):
            return False, None
        if isinstance(value, (int, float)):
            return True, float(value)
        if isinstance(value, str):
            try:
                return True, float(value.strip().rstrip("%"))
            except ValueError:
                return False, None
        return False, None
    if kind == "enum":
        return (True, value) if isinstance(value, str) else (False, None)
    return False, None
