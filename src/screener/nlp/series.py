"""Series derivations: one finding value computed from several quantities a note states
(issue 12, item 4; rules in ``rules/extraction/derivations.yaml``).

A wean is written in many ways: "MME 120 -> 45", "Oxy taper holding @ 40 MME/day (from
~90)", "(MME 120) thru 12/2025 ... Tapered Jan-Mar 2026 -> now ... MME 45", a table of dated
doses under "Opioid wean prior to trial:". One regex per phrasing does not generalize; a
series rule says what the quantities are (a unit lexicon: MME, morphine equivalents, ...),
what makes them one series (an anchor lexicon: wean, taper, reduced, ... within a few
sentences) and how the value is derived from them. The derived value's evidence is every
span it used: the anchor, the quantity it starts from and the quantity it ends at.

``derive: reduction``: (highest quantity - the last quantity after the anchor) / highest,
in percent. A quantity marked as the starting point ("from 90") is never the end; a
comparator or a goal before a number ("goal <= 40 MME", "> 90 MME") makes it no quantity,
and so does a word of a ``not_after`` lexicon just before it ("Infusion: morphine 0.5
mg/day"); a word of a ``veto`` lexicon between the quantities ("increased to", "rotated") derives nothing,
an anchor with a word of an ``anchor_not_near`` lexicon just around it is a plan ("continue
wean to off after implant") and gathers nothing,
and neither does an end that is not lower than the start. ConText still reads every span:
a quantity of a plan ("will taper to 40 MME") is dropped before the value is derived.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field

from .literals import could_match

# a number as a quantity: not part of a date, a ratio or a longer number
_NUMBER = r"(?<![\w./-])(\d{1,4}(?:\.\d+)?)(?![\d.]|/\d)"
# what before a number makes it a bound, a goal or a guideline, not a stated dose
_NOT_A_DOSE = re.compile(
    r"(?:(?<![-=])[<>]=?|[≤≥]|=<|\b(?:under|below|less than|more than|over|above|exceed\w*|"
    r"max(?:imum)?(?: of)?|limit(?: of)?|threshold(?: of)?|up to|at most|at least|no more than))\s*[~≈]?\s*$"
    r"|\b(?:goal|target|aim)\b[^.;\n\d]{0,30}$",
    re.IGNORECASE)
# "MME 90 -> 40", "MME reduced from 120 to 50": a number an arrow or "to" joins to a quantity
# has its unit (unless it has a unit of its own or is a percentage)
_CONTINUES = re.compile(r"\s*(?:\([^()\n]{0,20}\))?\s*\)?\s*(?:->|→|-->|=>|to|down to)\s*(?:about\s+|approx\w*\.?\s*|~\s*)?" + _NUMBER
                        + r"(?!\s*(?:%|mg\b|mcg\b|/\s*\d|[a-z]))", re.IGNORECASE)
# "40 MME/day (from ~90)": the starting point in parentheses after a quantity, same unit
_FROM_AFTER = re.compile(r"[\w/]{0,6}\s*\(\s*from\s*(?:about\s+|approx\w*\.?\s*|around\s+|~\s*|≈\s*)?" + _NUMBER + r"\s*\)",
                         re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s*(?:about|approx\w*\.?|around|~|≈)?\s*$", re.IGNORECASE)


class SeriesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    key: str = Field(min_length=1)
    anchor: str = Field(min_length=1)  # lexicon name
    quantity: str = Field(min_length=1)  # lexicon name: the unit words
    veto: list[str] = []  # lexicon names
    not_after: list[str] = []  # lexicon names: a number written after one of their words (same line, 30 characters) is no quantity
    anchor_not_near: list[str] = []  # lexicon names: an anchor with one of their words just around it is a plan, no anchor
    sentences_before: int = Field(default=1, ge=0, le=5)
    sentences_after: int = Field(default=2, ge=0, le=5)
    derive: Literal["reduction"] = "reduction"
    examples: list[tuple[str, float]] = []
    counter_examples: list[str] = []


@dataclass(frozen=True)
class SeriesRule:
    """A compiled series rule (see module docstring)."""

    id: str
    key: str
    anchor: re.Pattern
    quantity: re.Pattern  # group 1, 2, 3 or 4: the number
    unit: re.Pattern  # the unit words alone: a note without one has no series
    veto: re.Pattern | None
    not_after: re.Pattern | None
    anchor_not_near: re.Pattern | None
    before: int
    after: int
    derive: str
    source: str
    examples: tuple[tuple[str, float], ...] = ()
    counter_examples: tuple[str, ...] = ()
    unit_literals: tuple = ()  # nlp.literals: what every unit word contains (a fast pre-check)


def quantity_pattern(units: str) -> str:
    """A number with its unit: "90 MME", "90 mg MME", "MME 120", "MME was 120", "MME reduced
    from 120"; the first number an arrow joins to a quantity ("120 -> 45 MME": both are
    quantities). ``groups`` adds the numbers that continue one ("MME 90 -> 40", "(from ~90)")."""
    unit = rf"(?<!\w)(?:{units})(?!\w)"
    return (rf"{_NUMBER}\s*(?:mg\s*)?{unit}"
            rf"|{unit}\s*(?:/\s*d(?:ay)?\b)?\s*(?:(?:was|is|of|at|=|:|~|≈|approx\w*\.?|about|around|now|currently)\s*){{0,2}}"
            rf"{_NUMBER}(?!\s*(?:%|mg\b|mcg\b|/\s*10\b))"
            rf"|{_NUMBER}\s*(?:->|→|-->|=>|to)\s*(?=\d{{1,4}}(?:\.\d+)?\s*(?:mg\s*)?{unit})"
            rf"|{unit}[^.;\n\d]{{0,25}}?\bfrom\s*(?:about\s+|approx\w*\.?\s*|~\s*)?{_NUMBER}")


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    sentence: int
    value: float
    from_marked: bool


@dataclass(frozen=True)
class Group:
    """The spans one anchor gathers: the anchor and the quantities of its window."""

    anchor: tuple[int, int, int]  # start, end, sentence
    quantities: tuple[Quantity, ...]


def groups(rule: SeriesRule, text: str, sentences: Sequence[tuple[int, int]]) -> list[Group]:
    """Per anchor of ``rule`` in ``text``, the quantities within its window of sentences;
    windows with fewer than two quantities, or a veto word between the first and the last,
    are left out."""
    if rule.unit_literals and text.isascii() and not could_match(rule.unit_literals, text.lower()):
        return []  # most notes: no unit, no quantity, nothing to derive
    starts = [s for s, _ in sentences]
    # an anchor counts only where its window holds a unit word: look for anchors only there
    with_unit = {bisect.bisect_right(starts, m.start()) - 1 for m in rule.unit.finditer(text)}
    near = sorted({j for i in with_unit if i >= 0 for j in range(i - rule.after, i + rule.before + 1)
                   if 0 <= j < len(sentences)})
    out: list[Group] = []
    anchors = (a for j in near for a in rule.anchor.finditer(text, *sentences[j]))
    for a in anchors:
        i = bisect.bisect_right(starts, a.start()) - 1
        if rule.anchor_not_near is not None and rule.anchor_not_near.search(
                text, max(sentences[i][0], a.start() - 25), min(sentences[i][1], a.end() + 20)):
            continue  # "to continue wean to off after implant": a plan, not a wean that happened
        lo = sentences[max(i - rule.before, 0)][0]
        hi = sentences[min(i + rule.after, len(sentences) - 1)][1]
        found = []
        for m in rule.quantity.finditer(text, lo, hi):
            g = next(g for g in (1, 2, 3, 4) if m.group(g) is not None)
            start, end = m.span(g)
            if _NOT_A_DOSE.search(text[max(lo, start - 24):start]):
                continue
            if rule.not_after is not None:
                line_start = text.rfind("\n", 0, start) + 1
                if rule.not_after.search(text, max(lo, line_start, start - 30), start):
                    continue  # "Infusion: morphine 0.5 mg/day": the pump's dose, not a systemic one
            j = bisect.bisect_right(starts, start) - 1
            found.append(Quantity(start, end, j, float(m.group(g)), bool(_FROM.search(text[max(lo, start - 24):start]))))
            after = _FROM_AFTER.match(text, m.end(), hi)
            if after:
                found.append(Quantity(after.start(1), after.end(1), j, float(after.group(1)), True))
            then = _CONTINUES.match(text, m.end(), hi)
            if then and not any(q.start == then.start(1) for q in found):
                found.append(Quantity(then.start(1), then.end(1), j, float(then.group(1)), False))
        if len(found) < 2:
            continue
        first, last = min(q.start for q in found), max(q.end for q in found)
        if rule.veto is not None and rule.veto.search(text, first, last):
            continue  # "60 MME in 2024, increased to 120 MME, then tapered to 90": not one wean
        out.append(Group((a.start(), a.end(), i), tuple(sorted(found, key=lambda q: q.start))))
    return out


def derive(rule: SeriesRule, group: Group) -> tuple[float, Quantity, Quantity] | None:
    """The derived value of ``group`` and the quantities it starts from and ends at, or None."""
    quantities = group.quantities
    if len(quantities) < 2:
        return None
    start = max(quantities, key=lambda q: q.value)
    after = [q for q in quantities if q.start > group.anchor[0] and not q.from_marked and q is not start]
    ends = after or [q for q in quantities if not q.from_marked and q is not start]
    if not ends or start.value <= 0:
        return None
    end = ends[-1]
    if end.value >= start.value:
        return None
    return round((start.value - end.value) / start.value * 100.0, 1), start, end
