"""Section detection on raw text (rules/extraction/sections.yaml).

A section starts at a title found at the start of a line and runs to the next title. A
title followed by text on its own line ("FHx: mother with dementia") is an inline field:
its section also ends at the next blank line, so an unrecognised header further down does
not inherit it, a field on a list item ("- Risks reviewed: infection, CSF leak") ends at
the next item, and any inline field ends at the next line that is a field of its own
("FH: brother w/ schizophrenia." / "PCP note 01/2026: LE > 5 yrs"). ``SectionIndex.section_at(offset)`` gives the category an offset falls in
(None before the first title or after an inline field has ended).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..errors import RulesError

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LIST_MARK = re.compile(r"[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]")
# a line that is a field of its own: a short label (no sentence punctuation) and a colon
_NEXT_FIELD = re.compile(r"\n[ \t]*[A-Z][^\n:;!?]{0,40}:(?!//)")
_NEXT_ITEM = re.compile(r"\n[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]")


@dataclass(frozen=True)
class SectionIndex:
    starts: tuple[int, ...]
    categories: tuple[str, ...]
    ends: tuple[int, ...] = ()

    def section_at(self, offset: int) -> str | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return None
        if self.ends and offset >= self.ends[i]:
            return None
        return self.categories[i]


class SectionDetector:
    """Compiled section titles; ``index(text)`` builds a ``SectionIndex``."""

    def __init__(self, sections: dict[str, list[str]], source: str = "sections.yaml"):
        if not isinstance(sections, dict) or not sections:
            raise RulesError(f"{source}: 'sections' must map category -> list of titles")
        self.title_to_category: dict[str, str] = {}
        for category, titles in sections.items():
            if not isinstance(titles, list) or not all(isinstance(t, str) and t.strip() for t in titles):
                raise RulesError(f"{source}: sections.{category} must be a list of non-empty titles")
            for title in titles:
                self.title_to_category.setdefault(_normalise(title), category)
        alternatives = "|".join(
            re.escape(t).replace(r"\ ", r"\s+") for t in sorted(self.title_to_category, key=len, reverse=True)
        )
        self._pattern = re.compile(
            rf"(?im)^[ \t>*#•\-]*(?:\d{{1,2}}[.)]\s*|[A-Z][.)]\s+)?(?P<title>{alternatives})"
            rf"[ \t]*(?::|[ \t]-[ \t]|[ \t]*$)(?P<inline>[ \t]*\S)?"
        )

    def index(self, text: str) -> SectionIndex:
        starts, categories, inline = [], [], []
        for m in self._pattern.finditer(text):
            category = self.title_to_category.get(_normalise(m.group("title")))
            if category:
                starts.append(m.start("title"))
                categories.append(category)
                inline.append(m.group("inline") is not None)
        ends = []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(text)
            if inline[i]:
                blank = _BLANK_LINE.search(text, start, end)
                if blank:
                    end = blank.start()
                field = _NEXT_FIELD.search(text, start, end)
                if field:
                    end = field.start() + 1  # "FH: brother w/ schizophrenia." / "PCP note 01/2026: LE > 5 yrs"
                line_start = text.rfind("\n", 0, start) + 1
                if _LIST_MARK.match(text, line_start):
                    # "- Risks reviewed: infection, CSF leak" ends at its sibling "- No active infection"
                    sibling = _NEXT_ITEM.search(text, start, end)
                    if sibling:
                        end = sibling.start() + 1
            ends.append(end)
        return SectionIndex(tuple(starts), tuple(categories), tuple(ends))


def _normalise(title: str) -> str:
    return re.sub(r"\s+", " ", title.strip().lower())
