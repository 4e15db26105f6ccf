"""A screen function that does no NLP, for measuring the bulk runner alone
(``--memory-screen-fn null_screen:screen``; ``benchmarks/`` is put on PYTHONPATH)."""
from __future__ import annotations


def screen(notes, payers=None, service_date=None):
    payers = payers or ("uhc", "lhcc", "cohere", "molina")
    return {
        "patient_id": notes[0].patient_id, "status": "ok", "note_ids": [n.note_id for n in notes],
        "request_type": None, "indication": None, "findings": {}, "mentions": [],
        "determinations": {p: {"status": "insufficient_documentation", "missing": [], "failed": [], "reasons": []}
                           for p in payers},
    }
