"""Section detection on raw text (rules/extraction/sections.yaml).

A section starts at a title found at the start of a line and runs to the next title.
``SectionIndex.section_at(offset)`` gives the category an offset falls in (None before the
first title).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..errors import RulesError


@dataclass(frozen=True)
class SectionIndex:
    starts: tuple[int, ...]
    categories: tuple[str, ...]

    def section_at(self, offset: int) -> str | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.categories[i] if i >= 0 else None


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
            rf"(?im)^[ \t>*#•\-]*(?:\d{{1,2}}[.)]\s*|[A-Z][.)]\s+)?(?P<title>{alternatives})[ \t]*(?::|[ \t]-[ \t]|[ \t]*$)"
        )

    def index(self, text: str) -> SectionIndex:
        starts, categories = [], []
        for m in self._pattern.finditer(text):
            category = self.title_to_category.get(_normalise(m.group("title")))
            if category:
                starts.append(m.start("title"))
                categories.append(category)
        return SectionIndex(tuple(starts), tuple(categories))


def _normalise(title: str) -> str:
    return re.sub(r"\s+", " ", title.strip().lower())
