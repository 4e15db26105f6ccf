"""Literal text a regular expression cannot match without: a cheap pre-check for the rules.

``required_literals(regex)`` reads the parsed pattern and returns up to two sets of
lower-case ASCII strings such that every match of the regex contains at least one string of
each set ("any of" sets, "all of" across sets). The reader tests the sets with ``in`` on the
lower-cased sentence before running the rule's regex there: a sentence without them cannot
match, and the ``in`` test costs a fraction of a regex scan.

Sound by construction, not by heuristics: only consumed text counts (look-around is
ignored, it may see outside the sentence), optional parts (``?``, ``*``, ``{0,n}``) give
nothing, an alternation gives the union of what each branch requires (nothing when one
branch requires nothing), and a non-ASCII character ends a literal. Lower-casing both sides
keeps the test valid for case-insensitive patterns; the reader only uses it on ASCII
sentences, where lower-casing is exact.
"""
from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as _c, _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

AnyOf = frozenset  # a set of strings, one of which every match contains
_REPEATS = tuple(op for op in (getattr(_c, "MAX_REPEAT", None), getattr(_c, "MIN_REPEAT", None),
                               getattr(_c, "POSSESSIVE_REPEAT", None)) if op is not None)
_MAX_SETS = 2


def required_literals(regex: re.Pattern) -> tuple[AnyOf, ...]:
    """Up to two "any of" sets of lower-case strings every match of ``regex`` contains
    (the most selective first); empty when nothing is certain."""
    try:
        parsed = _sre_parse.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001 - a pattern the parser cannot re-read gets no pre-check
        return ()
    return tuple(_best(_candidates(list(parsed)), _MAX_SETS))


def _candidates(items) -> list[AnyOf]:
    """Every "any of" set one of the sequence's elements guarantees."""
    found: list[AnyOf] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            found.append(AnyOf({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            char = chr(av)
            if char.isascii():
                run.append(char.lower())
                continue
            flush()
            continue
        flush()
        if op is _c.SUBPATTERN:
            found.extend(_best(_candidates(list(av[-1])), 1))
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            found.extend(_best(_candidates(list(av)), 1))
        elif op is _c.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                best = _best(_candidates(list(branch)), 1)
                if not best:
                    break
                union |= best[0]
            else:
                found.append(AnyOf(union))
        elif op in _REPEATS:
            low, _high, sub = av
            if low >= 1:
                found.extend(_best(_candidates(list(sub)), 1))
        # anything else (classes, categories, anchors, look-around, references) guarantees nothing
    flush()
    return found


def _best(sets: list[AnyOf], n: int) -> list[AnyOf]:
    """The ``n`` most selective sets: the longest shortest string, then the fewest strings."""
    unique = list(dict.fromkeys(s for s in sets if s and all(s)))
    unique.sort(key=lambda s: (-min(map(len, s)), len(s)))
    return unique[:n]


def could_match(required: tuple[AnyOf, ...], lowered: str) -> bool:
    """False when ``lowered`` (lower-cased ASCII text) lacks a string of some required set."""
    for any_of in required:
        for literal in any_of:
            if literal in lowered:
                break
        else:
            return False
    return True
