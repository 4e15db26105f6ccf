"""Reviewer assist: the HTML review page (notes with evidence highlighted, criteria checklists).

``render_report(records, notes) -> str`` and ``write_report(records, notes, path)`` take
contract-shaped case records / error rows and ``note_id -> Note``; see ``render.py``.
"""
from __future__ import annotations

from .render import render_page, render_report, render_review, write_report

__all__ = ["render_page", "render_report", "render_review", "write_report"]
