"""The normalized view of a note that the rules read, with a map back to the original.

``Normalizer(lexicon).view(text)`` returns a ``TextView``: the note with the clinical
abbreviations and symbols of ``rules/extraction/abbreviations.yaml`` written out ("cons tx"
-> "conservative treatment", "NSGY" -> "neurosurgery", "x 6 mo" -> "for 6 mo", "↓" ->
"decreased") and words hyphenated across a line break joined ("intrac-\\ntable"), a line wrapped inside a
phrase read as one space ("life\\n expectancy"). The view
may be longer or shorter than the note; ``TextView.original_span`` maps any span of the
view back to the note, so evidence always quotes and points into the original text. A
span that starts or ends inside an expansion maps to the whole abbreviation.

An abbreviation matches as a whole token: where it starts (ends) with a letter or digit, not
preceded (followed) by a letter, digit or "/". Lower-case entries match any case;
``exact_case`` entries ("LE", "IT") only as written. ``before`` is a regex the text right
after the abbreviation must match ("LE" is life expectancy only before a duration), ``after``
one the text right before it must end with ("mo" is months only after a number); both are
case-sensitive (``(?i:...)`` where case does not matter).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Sequence

from .trie import Fragment, trie_pattern

_HYPHEN_WRAP = re.compile(r"(?<=[a-z])-[ \t]*\r?\n[ \t]*(?=[a-z])")
# a line wrapped inside a phrase: a lower-case word, a comma or a colon, then a line going on in lower case
# ("no life-limiting illness, life\n expectancy > 10 years"): one space. After a colon only a long line
# is prose wrapped at its margin ("Pain diary over last 7 days:\naverage 6/10"); a short one is a label
# whose line break stays ("Plan:\nfollow up")
_LINE_WRAP = re.compile(r"(?<=[a-z,:])[ \t]*\r?\n[ \t]*(?=[a-z])")
_WRAPPED_LINE_CHARS = 60
# "since then" after a dated event ("stopped working in March 2023. Since then she cannot stand ..."):
# read as "since <that date>", so every rule of a start date reads it; the date is the last one
# before "since then" in its paragraph (within _SINCE_THEN_REACH characters), written after in / on /
# by / around
_SINCE_THEN = re.compile(r"\bsince (then|that time)\b", re.IGNORECASE)
_DATED_EVENT = re.compile(
    r"\b(?:in|on|by|around|circa)\s+(?P<date>\d{1,2}/(?:\d{1,2}/)?(?:19|20)\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"[a-z]*\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?\s+(?:19|20)\d{2}|(?:19|20)\d{2})\b", re.IGNORECASE)
_SINCE_THEN_REACH = 200


@dataclass(frozen=True)
class Abbreviation:
    """One lexicon line: ``short`` is written out as ``long``."""

    short: str
    long: str
    exact_case: bool = False
    before: str | None = None
    after: str | None = None


class TextView:
    """A note as the rules read it. ``text`` is the view; spans of it map back to the note
    with ``original_span``. Built from the replacements (start, end, new text) of the note,
    in order and not overlapping."""

    __slots__ = ("text", "original", "_view_starts", "_pieces", "identity")

    def __init__(self, original: str, replacements: Sequence[tuple[int, int, str]] = ()):
        self.original = original
        self.identity = not replacements
        if self.identity:
            self.text = original
            self._view_starts, self._pieces = [0], [(0, len(original), False)]
            return
        parts: list[str] = []
        view_starts: list[int] = []
        pieces: list[tuple[int, int, bool]] = []  # (original start, original end, replaced)
        cursor = view_len = 0
        for start, end, new in replacements:
            if start > cursor:  # unchanged text before the replacement
                view_starts.append(view_len)
                pieces.append((cursor, start, False))
                parts.append(original[cursor:start])
                view_len += start - cursor
            view_starts.append(view_len)
            pieces.append((start, end, True))
            parts.append(new)
            view_len += len(new)
            cursor = end
        view_starts.append(view_len)
        pieces.append((cursor, len(original), False))
        parts.append(original[cursor:])
        self.text = "".join(parts)
        self._view_starts, self._pieces = view_starts, pieces

    def original_offset(self, offset: int, *, end: bool = False) -> int:
        """The note offset of view offset ``offset``; inside an expansion, the abbreviation's
        start (or its end, for the end of a span)."""
        if self.identity:
            return offset
        i = bisect.bisect_right(self._view_starts, offset) - 1
        if end and i > 0 and offset == self._view_starts[i]:
            i -= 1  # a span ending where a piece starts ends in the piece before
        o_start, o_end, replaced = self._pieces[i]
        if replaced:
            return o_end if end and offset > self._view_starts[i] else o_start
        return min(o_start + offset - self._view_starts[i], o_end)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The note span that view span ``[start, end)`` quotes."""
        if self.identity:
            return start, end
        return self.original_offset(start), self.original_offset(end, end=True)


def _since_then_dates(text: str) -> list[tuple[int, int, str]]:
    """Replacements of "then" in "since then" by the date of the event before it (see _SINCE_THEN)."""
    out = []
    for m in _SINCE_THEN.finditer(text):
        lo = max(0, m.start() - _SINCE_THEN_REACH)
        paragraph = text.rfind("\n\n", lo, m.start())
        dates = list(_DATED_EVENT.finditer(text, paragraph + 2 if paragraph >= 0 else lo, m.start()))
        if dates:
            out.append((m.start(1), m.end(1), dates[-1].group("date")))
    return out


class Normalizer:
    """Builds ``TextView``s from an abbreviation lexicon. One trie-shaped regex finds every
    candidate (``nlp.trie``: the engine rejects most positions on their first character);
    each candidate is then checked in Python against its entries (edges, case, ``before``,
    ``after``)."""

    def __init__(self, lexicon: Sequence[Abbreviation] = ()):
        self._entries: dict[str, list[tuple[Abbreviation, re.Pattern | None, re.Pattern | None]]] = {}
        words = []
        for entry in lexicon:
            key = _normal(entry.short)
            before = re.compile(entry.before) if entry.before else None
            after = re.compile(f"(?:{entry.after})\\Z") if entry.after else None
            self._entries.setdefault(key, []).append((entry, before, after))
            words.append([Fragment(r"\s+") if c == " " else c for c in key])
        pattern = trie_pattern(words) if words else ""
        self._scan = re.compile(pattern) if pattern else None  # on lower-cased ASCII text
        self._scan_any = re.compile(pattern, re.IGNORECASE) if pattern else None

    def view(self, text: str) -> TextView:
        """``text`` with the lexicon's abbreviations written out, hyphenated line wraps joined and a
        line wrapped inside a phrase read as one space."""
        replacements: list[tuple[int, int, str]] = []
        if self._scan is not None:
            ascii_text = text.isascii()
            scan = self._scan.finditer(text.lower()) if ascii_text else self._scan_any.finditer(text)
            for m in scan:
                new = self._written_out(text, m.start(), m.end())
                if new is not None:
                    replacements.append((m.start(), m.end(), new))
        if "ince th" in text or "INCE TH" in text:
            dated = [d for d in _since_then_dates(text) if not _overlaps(replacements, d[0], d[1])]
            replacements = sorted(replacements + dated)
        if "\n" in text:
            joins = [(m.start(), m.end(), "") for m in _HYPHEN_WRAP.finditer(text)] if "-" in text else []
            joins += [(m.start(), m.end(), " ") for m in _LINE_WRAP.finditer(text)
                      if text[m.start() - 1] != ":" or m.start() - text.rfind("\n", 0, m.start()) > _WRAPPED_LINE_CHARS]
            if joins:
                joins = [j for j in joins if not _overlaps(replacements, j[0], j[1])]
                replacements = sorted(replacements + joins)
        return TextView(text, replacements)

    def _written_out(self, text: str, start: int, end: int) -> str | None:
        """What the candidate ``text[start:end]`` reads as, or None where it is no abbreviation."""
        short = text[start:end]
        if short[0].isalnum() and start > 0 and (text[start - 1].isalnum() or text[start - 1] == "/"):
            return None  # inside a word
        if short[-1].isalnum() and end < len(text) and (text[end].isalnum() or text[end] == "/"):
            return None
        for entry, before, after in self._entries.get(_normal(short), ()):
            if entry.exact_case and " ".join(short.split()) != entry.short:
                continue
            if before is not None and not before.match(text, end):
                continue
            if after is not None and not after.search(text, max(start - 40, 0), start):
                continue
            new = entry.long
            if end < len(text) and text[end].isalnum() and not new[-1].isspace():
                new += " "  # "w/pain" reads "with pain"
            return new
        return None


def _overlaps(replacements: list[tuple[int, int, str]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of ``replacements`` (sorted by start, disjoint)."""
    k = bisect.bisect_right(replacements, (start, float("inf"), "")) - 1
    return (k >= 0 and replacements[k][1] > start) or (k + 1 < len(replacements) and replacements[k + 1][0] < end)


def _normal(short: str) -> str:
    return " ".join(short.lower().split())
