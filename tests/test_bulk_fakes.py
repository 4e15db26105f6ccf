"""A fast stand-in for ``screener.pipeline.screen_case`` for testing the bulk runner's
mechanics (grouping, spill, errors, resume, workers) without the NLP pipeline.

``fake_screen`` returns a contract-shaped case record. Trigger words in a note's text:
``CRASH`` kills the worker process (``os._exit``), ``RAISE`` raises, ``INTERRUPT``
raises KeyboardInterrupt (a Ctrl-C in the middle of a run), ``SLOW`` sleeps 60 s (a case
the per-case alarm must stop), ``HANG`` sleeps 60 s with SIGALRM blocked (a worker stuck
where the alarm cannot reach: the parent's watchdog must stop it), ``NOREAD`` gives a case-level
``status: "error"`` record as screen_case does for a case with no readable note. Importable as
``test_bulk_fakes:fake_screen`` (``--screen-fn``) when ``tests/`` is on ``sys.path``.
"""
from __future__ import annotations

import hashlib
import os
import signal
import time

import pytest

PAYERS = ("uhc", "lhcc", "cohere", "molina")
STATUSES = ("meets_criteria", "does_not_meet", "insufficient_documentation", "not_addressed")
CALLS: list[str] = []  # patient ids screened in this process (workers=0 runs)


def fake_screen(notes, payers=None, service_date=None):
    text = " ".join(n.text for n in notes)
    if "CRASH" in text:
        os._exit(7)
    if "RAISE" in text:
        raise ValueError("this message quotes the note: " + text[:20])
    if "INTERRUPT" in text:
        raise KeyboardInterrupt
    if "SLOW" in text:
        time.sleep(60)
    if "HANG" in text:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    CALLS.append(notes[0].patient_id)
    if "NOREAD" in text:  # screen_case's own case-level error record
        return {"patient_id": notes[0].patient_id, "status": "error", "note_ids": [n.note_id for n in notes],
                "error": "no readable note in this case", "determinations": {}}
    digest = hashlib.sha1(text.encode("utf-8", "replace")).digest()
    dets = {}
    for i, payer in enumerate(payers or PAYERS):
        status = STATUSES[digest[i] % len(STATUSES)]
        dets[payer] = {
            "status": status, "policy": f"{payer.upper()} TEST", "branch": "nonmalignant_pain/trial",
            "criteria": [], "missing": ["psych_clearance"] if status == "insufficient_documentation" else [],
            "failed": [], "reasons": [f"fake {status}"], "trace": {},
        }
    request_types = [n.request_type for n in notes if n.request_type]
    return {
        "patient_id": notes[0].patient_id,
        "status": "ok",
        "note_ids": [n.note_id for n in notes],
        "request_type": request_types[0] if request_types else None,
        "indication": "nonmalignant_pain",
        "service_date": service_date,
        "findings": {},
        "mentions": [],
        "determinations": dets,
    }


@pytest.mark.parametrize("payers, expected", [(None, set(PAYERS)), (["uhc"], {"uhc"})])
def test_bulk_fakes_record_shape(payers, expected):
    from screener.model import Note

    record = fake_screen([Note("P1", "N1", "pain"), Note("P1", "N2", "more")], payers=payers)
    assert record["note_ids"] == ["N1", "N2"]
    assert set(record["determinations"]) == expected
