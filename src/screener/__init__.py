"""screener: reads clinical notes and screens them against payer criteria for
implantable intrathecal drug delivery systems (pain pumps).

Public API (imported lazily so ``import screener`` stays cheap):

- ``extract(text, note_date=None)`` -> findings of one note
- ``extract_case(notes)`` -> findings of a case (many notes merged)
- ``assertion(text, spans)`` -> ConText's verdict for arbitrary character spans
- ``determine(findings, payer=None, service_date=None)`` -> determinations per payer
- ``screen_case(notes, payers=None, service_date=None)`` -> the contract's case record
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "extract": "screener.extraction",
    "extract_case": "screener.extraction",
    "assertion": "screener.extraction",
    "determine": "screener.criteria",
    "screen_case": "screener.pipeline",
    "Note": "screener.model",
    "Evidence": "screener.model",
    "Finding": "screener.model",
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'screener' has no attribute {name!r}")
