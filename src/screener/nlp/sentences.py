"""A clinical sentence splitter that works on raw text and returns character spans.

Replaces PyRuSH (which costs ~86% of medspaCy's default pipeline time and logs note text
at DEBUG). Clinical text breaks lines for three reasons, and the splitter tells them apart:

- structure: a blank line, a bullet or numbered item, a ``Key: value`` template line, a
  checkbox line, an ALL-CAPS header, a form or table row (aligned columns, checkboxes)
  -> always a boundary;
- a finished line: the previous line ends in ``.``, ``!``, ``?``, ``:`` or ``;`` -> boundary;
- a soft wrap (dictation, OCR'd fax): a long line that stops mid-sentence continues on
  the next line -> no boundary.

Inside a line, a sentence ends at ``.``/``!``/``?`` followed by whitespace and a capital,
digit, bracket or bullet, unless the period ends a known abbreviation, an initial or a
decimal number; and after a closing quote followed by a dash or colon (an appeal letter
answering a quoted criterion: ``"c. Failure of ..." - Over four years she has ...``).
"""
from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]*\n?")
_STRUCTURAL = re.compile(
    r"""^[ \t]*(?:
        [-–—*•·▪►‣◦○→o]\s+                            # bullet
      | \(?\d{1,2}[.)]\s+                             # numbered item
      | \[[ xX✓✔]?\]                                  # checkbox
      | [A-Za-z][A-Za-z0-9 /&().,'#-]{0,48}:(?!//)    # Key: value / Header:
      | [A-Z][A-Z0-9 /&(),'#-]{2,40}[ \t]*$          # ALL-CAPS header line (short: a long one is prose of an all-caps note)
      | (?:page\s+\d+\s+of\s+\d+|fax|from:|to:)       # fax furniture
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_SOFT_WRAP_MIN = 40
_LIST_ITEM = re.compile(r"^(?:[-–—*•·▪►‣◦○→]|\(?\d{1,2}[.)])\s+")
# a form or table row: aligned columns, checkboxes, bracketed fields, dot or underscore leaders
_TABULAR = re.compile(r"\S {3,}\S|\t|[☐□☒☑⊠■]|\[\s*[xX✓✔]?\s*\]|\s\|\s|^\||\.{4,}|…{2,}|_{4,}")  # a line this long that stops mid-sentence is a soft wrap

_ABBREVIATIONS = frozenset(
    """dr mr mrs ms st vs v e.g i.e etc approx appt pt pts no nos fig dept jr sr inc
    mg mcg ml b.i.d t.i.d q.i.d p.r.n a.m p.m ca cf al est
    dx hx tx rx sx fx h.o s.p c.o y.o yo""".split()
)
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.?$")
_ITEM_NUMBER = re.compile(r"\s*[(\[]?[0-9A-Za-z]{1,2}")
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]+[\"')\]]*\s+(?=[A-Z0-9\[(•*\-\"'])|[\"”]\s+[-–—:]\s+")


def _within_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        stop = m.start()
        if text[stop] in "\"”":  # quote + dash/colon: the boundary is right after the quote
            spans.append((cursor, stop + 1))
            cursor = m.end()
            continue
        if text.startswith("....", stop):
            continue  # a dot leader of a form row ("Active infection ........ No"), not a sentence end
        word = _LAST_WORD.search(text[max(cursor, stop - 12):stop + 1])
        if text[stop] == ".":
            token = word.group(1).lower().rstrip(".") if word else ""
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
            if stop > 0 and text[stop - 1].isdigit() and stop + 1 < end and text[stop + 1].isdigit():
                continue
            if _ITEM_NUMBER.fullmatch(text[cursor:stop]):
                continue  # "1." / "a." opening a numbered item
        spans.append((cursor, m.start() + len(m.group(0).rstrip())))
        cursor = m.end()
    spans.append((cursor, end))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` over ``text``, trimmed of surrounding whitespace."""
    blocks: list[list[int]] = []  # [start, end] of runs of joined lines
    previous: tuple[int, int] | None = None
    for m in _LINE.finditer(text):
        line_start, line_end = m.start(), m.end()
        if line_start == line_end:
            break
        body = text[line_start:line_end].rstrip("\r\n")
        stripped = body.strip()
        if not stripped:
            previous = None
            continue
        content_end = line_start + len(body)
        join = False
        if previous is not None and blocks:
            prev_text = text[previous[0]:previous[1]].strip()
            if prev_text[-1:] not in ".!?:;":  # the previous line stops mid-sentence
                structural = bool(_STRUCTURAL.match(body)) or _TABULAR.search(prev_text) or _TABULAR.search(stripped)
                # a list item followed by a capitalised line: the list has ended
                structural = structural or (bool(_LIST_ITEM.match(prev_text)) and stripped[:1].isupper())
                if not structural:
                    join = len(prev_text) >= _SOFT_WRAP_MIN or stripped[:1].islower()
        if join:
            blocks[-1][1] = content_end
        else:
            blocks.append([line_start, content_end])
        previous = (line_start, content_end)

    spans: list[tuple[int, int]] = []
    for start, end in blocks:
        for s, e in _within_line(text, start, end):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                spans.append((s, e))
    return spans
