"""Sentence-like units of a note, with offsets into the original text.

A unit is a line, or a sentence of a long line (split after ``.``, ``!``, ``?`` before a
capital or a digit). Units without a letter or digit are dropped. The splitter is plain
Python (no spaCy): suggestions must be cheap enough to compute for every case page.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..model import Note

_LINE = re.compile(r"[^\n]+")
_SENT_END = re.compile(r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bvs\.)(?<!\bSt\.)(?<!\bNo\.)"
                       r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bapprox\.)\s+(?=[A-Z0-9\"'(\[])")
_HAS_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Unit:
    note_id: str
    start: int
    end: int
    text: str
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"note_id": self.note_id, "start": self.start, "end": self.end, "text": self.text,
                "score": round(self.score, 4)}

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


def note_units(note: Note) -> Iterator[Unit]:
    text = note.text
    for line in _LINE.finditer(text):
        a, b = line.span()
        pieces = [a] + [m.end() for m in _SENT_END.finditer(text, a, b)] + [b]
        for s, e in zip(pieces, pieces[1:]):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and _HAS_WORD.search(text, s, e):
                yield Unit(note.note_id, s, e, text[s:e])


def units(notes: Iterable[Note]) -> list[Unit]:
    return [u for n in notes for u in note_units(n)]
