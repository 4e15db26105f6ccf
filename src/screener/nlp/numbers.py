"""Spelled-out numbers of dictated notes as digits, in a view of the same length.

Transcribed dictation often spells numbers out: "eight out of ten", "a sixty two point five
percent reduction", "twenty eight months", "from about ninety MME down to about forty".
The target rules are written for digits; ``spelled_numbers_view(text)`` returns the text
with each such number replaced by its digits, padded with spaces to the same length, so
every offset still points into the note and evidence quotes the original words.

A number is a run of number words (``one`` .. ``nineteen``, ``twenty`` .. ``ninety``,
``hundred``, and a decimal ``point`` followed by digit words). Lone small words are common
in prose ("one of the", "no one", "at one point"), so a run is replaced only when it
cannot be prose:

- it has a tens word, a teen, ``hundred`` or a decimal point ("twenty eight", "fifteen",
  "zero point two"), or
- it is followed by a unit that makes it a quantity (``percent``, ``out of``, ``over ten``,
  ``MME``, ``mg``, ``milligrams``, a unit of time).
"""
from __future__ import annotations

import re

from .trie import trie_pattern

# the number words (values.py builds its duration vocabulary from these too)
UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
_WORD = trie_pattern({*UNITS, *TEENS, *TENS, "hundred", "point"})
# a run of number words joined by spaces or hyphens ("sixty-two point five"); "and" only
# inside a hundred ("one hundred and twenty")
_RUN_PATTERN = rf"(?<![\w-])(?:{_WORD})(?![\w])(?:(?:[ -]+|[ ]+and[ ]+)(?:{_WORD})(?![\w]))*"
_RUN = re.compile(_RUN_PATTERN, re.IGNORECASE)
_RUN_LOWERED = re.compile(_RUN_PATTERN)  # the same on lower-cased ASCII text, twice as fast
_QUANTITY_AFTER = re.compile(
    r"[ \t]*(?:percent\b|per cent\b|%|out of\b|over ten\b|/\s*10\b|(?-i:MME|MED|OME)\b|mg\b|mcg\b|"
    r"milligrams?\b|micrograms?\b|(?:years?|months?|weeks?|days?|hours?|minutes?)\b)",
    re.IGNORECASE,
)


def spelled_numbers_view(text: str) -> str:
    """``text`` with spelled-out quantities as digits, padded to the same length."""
    scan = _RUN_LOWERED.finditer(text.lower()) if text.isascii() else _RUN.finditer(text)
    pieces, cursor = [], 0
    for m in scan:
        words = [w for w in re.split(r"[ -]+", m.group(0).lower()) if w != "and"]
        parsed = _parse(words)
        if parsed is None:
            continue
        value, strong = parsed
        if not strong and not _QUANTITY_AFTER.match(text, m.end()):
            continue
        digits = _format(value)
        if len(digits) > m.end() - m.start():
            continue
        pieces.append(text[cursor:m.start()])
        pieces.append(digits.ljust(m.end() - m.start()))
        cursor = m.end()
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


def _parse(words: list[str]) -> tuple[float, bool] | None:
    """(value, whether the number cannot be prose) of a run of number words; None when the
    whole run is not one number ("twenty twenty two", the "one point" of "at one point")."""
    n, value, strong = 0, 0, False
    if n < len(words) and words[n] in UNITS and n + 1 < len(words) and words[n + 1] == "hundred":
        value, n, strong = UNITS[words[n]] * 100, n + 2, True
    if n < len(words) and words[n] in TENS:
        value, n, strong = value + TENS[words[n]], n + 1, True
        if n < len(words) and words[n] in UNITS and words[n] != "zero":
            value, n = value + UNITS[words[n]], n + 1
    elif n < len(words) and words[n] in TEENS:
        value, n, strong = value + TEENS[words[n]], n + 1, True
    elif n < len(words) and words[n] in UNITS:
        value, n = value + UNITS[words[n]], n + 1
    if n == 0:
        return None
    if n + 1 < len(words) and words[n] == "point" and words[n + 1] in UNITS:
        n += 1
        decimals = ""
        while n < len(words) and words[n] in UNITS:
            decimals += str(UNITS[words[n]])
            n += 1
        value, strong = float(f"{int(value)}.{decimals}"), True
    return (float(value), strong) if n == len(words) else None


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
