"""What a regular expression cannot match without: cheap pre-checks for the rules.

``first_char_guard(regex)`` returns the regex with a look-ahead for the characters a match
can start with (``(?=[0-9aefhnost])(?:...)`` for a pattern that starts with a number or a
number word). Python's engine tries a case-insensitive alternation at every position of
the text; the look-ahead turns most positions away with one character-class test. Same
matches, same groups, about 40% less time on the target rules.

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


_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_CATEGORIES = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_SPACE: r"\s"}


def first_char_guard(regex: re.Pattern) -> re.Pattern:
    """``regex`` behind a look-ahead for its possible first characters (same flags, so a
    case-insensitive pattern gets a case-insensitive class); ``regex`` itself when the
    first character is unknown (``.``, a negated class, a back-reference) or the pattern can
    match the empty string."""
    if regex.flags & re.VERBOSE:
        return regex  # whitespace in the class would be ignored
    try:
        parsed = _sre_parse.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001
        return regex
    parts, nullable = _first_chars(list(parsed))
    if not parts or nullable:
        return regex
    try:
        return re.compile(f"(?=[{''.join(sorted(parts))}])(?:{regex.pattern})", regex.flags)
    except re.error:  # e.g. global inline flags that must stay at the start
        return regex


def _first_chars(items) -> tuple[set[str] | None, bool]:
    """(class parts a match of the sequence can start with, whether it can be empty);
    parts ``None`` when any character could come first."""
    parts: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        found, nullable = _first_of(op, av)
        if found is None:
            return None, False
        parts |= found
        if not nullable:
            return parts, False
    return parts, True


def _first_of(op, av) -> tuple[set[str] | None, bool]:
    if op is _c.LITERAL:
        return {_class_char(av)}, False
    if op is _c.IN:
        out = set()
        for inner, value in av:
            if inner is _c.LITERAL:
                out.add(_class_char(value))
            elif inner is _c.RANGE:
                out.add(f"{_class_char(value[0])}-{_class_char(value[1])}")
            elif inner is _c.CATEGORY and value in _CATEGORIES:
                out.add(_CATEGORIES[value])
            else:  # a negated class or another category: could be anything
                return None, False
        return out, False
    if op is _c.SUBPATTERN:
        if av[1] & re.IGNORECASE:  # (?i:...) in a case-sensitive pattern: the class would miss a case
            return None, False
        return _first_chars(list(av[-1]))
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _first_chars(list(av))
    if op is _c.BRANCH:
        out, nullable = set(), False
        for branch in av[1]:
            found, empty = _first_chars(list(branch))
            if found is None:
                return None, False
            out |= found
            nullable = nullable or empty
        return out, nullable
    if op in _REPEATS:
        low, _high, sub = av
        found, empty = _first_chars(list(sub))
        return (None, False) if found is None else (found, low == 0 or empty)
    return None, False  # any character, a back-reference, ...


def _class_char(code: int) -> str:
    char = chr(code)
    return "\\" + char if char in "\\]^-[" else char


def could_match(required: tuple[AnyOf, ...], lowered: str) -> bool:
    """False when ``lowered`` (lower-cased ASCII text) lacks a string of some required set."""
    for any_of in required:
        for literal in any_of:
            if literal in lowered:
                break
        else:
            return False
    return True
