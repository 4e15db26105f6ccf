"""Hand-written case records with known evidence offsets, for tests, docs and demos.

They follow the case record shape of ``docs/INTERFACES.md`` exactly but do not come from
extraction, so the review page can be checked independently of extraction quality:
every span's offsets are computed here from the note text with ``str.index``.
``xss_case`` puts script-injection payloads in every place data reaches the page (note
text, note id, patient id, finding values, policy text, reasons, error reasons).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from ..model import Note

NOTE_1 = (
    "PAIN CLINIC CONSULT\n"
    "HPI: 58 y/o male with failed back surgery syndrome. Chronic intractable low back pain, NRS 8/10.\n"
    "Conservative care since 2019 including physical therapy and NSAIDs, failed.\n"
    "ROS: Denies dementia. No active infection.\n"
    "FAMILY HISTORY: Father had a bleeding disorder.\n"
    "PLAN: Psychological evaluation pending. If the trial succeeds, will schedule permanent pump.\n"
)
NOTE_2 = (
    "INTRATHECAL TRIAL NOTE\n"
    "Morphine bolus trial performed. Pain went from 8/10 to 3/10 with improved walking tolerance.\n"
    "Psychology evaluation completed: favorable candidate for intrathecal therapy.\n"
)


def ev(note: Note, phrase: str, key: str, value: Any, *, occurrence: int = 0, section: str | None = None, **flags: bool) -> dict[str, Any]:
    """An evidence dict for ``phrase`` in ``note`` (the ``occurrence``-th match)."""
    start = -1
    for _ in range(occurrence + 1):
        start = note.text.index(phrase, start + 1)
    out: dict[str, Any] = {
        "key": key,
        "value": value,
        "note_id": note.note_id,
        "start": start,
        "end": start + len(phrase),
        "text": phrase,
        "section": section,
        "rule_id": f"example.{key}",
        "negated": False,
        "historical": False,
        "hypothetical": False,
        "family": False,
        "uncertain": False,
        "note_date": note.note_date.isoformat() if note.note_date else None,
    }
    out.update(flags)
    return out


def _finding(value: Any, *evidence: dict[str, Any], superseded: tuple = ()) -> dict[str, Any]:
    return {"value": value, "source": "notes", "evidence": list(evidence), "superseded": list(superseded)}


def demo_case() -> tuple[dict[str, Any], dict[str, Note]]:
    """One permanent-pump case over two notes: nested and crossing spans, every assertion kind."""
    n1 = Note("P-DEMO", "N1", NOTE_1, note_date=date(2026, 3, 2))
    n2 = Note("P-DEMO", "N2", NOTE_2, note_date=date(2026, 5, 10))
    etiology = ev(n1, "failed back surgery syndrome", "pain_etiology_documented", True)
    intractable = ev(n1, "Chronic intractable low back pain, NRS 8/10", "pain_intractable", True)
    nrs = ev(n1, "NRS 8/10", "pain_score_nrs", 8.0)  # nested inside `intractable`
    conservative = ev(n1, "Conservative care since 2019", "conservative_therapy_months", 86.0)
    failed = ev(n1, "physical therapy and NSAIDs, failed", "conservative_therapy_failed", True)
    dementia = ev(n1, "Denies dementia", "dementia", False, negated=True)
    infection = ev(n1, "No active infection", "active_infection", False, negated=True)
    family = ev(n1, "Father had a bleeding disorder", "coagulopathy", True, family=True)
    psych_pending = ev(n1, "Psychological evaluation pending", "psych_evaluation_done", False)
    hypo = ev(n1, "will schedule permanent pump", "request_type", "permanent", hypothetical=True)
    trial_done = ev(n2, "Morphine bolus trial performed", "trial_done", True)
    relief = ev(n2, "Pain went from 8/10 to 3/10", "trial_pain_reduction_pct", 62.5)
    function = ev(n2, "3/10 with improved walking tolerance", "trial_functional_improvement", True)  # crosses `relief`
    psych_done = ev(n2, "Psychology evaluation completed", "psych_evaluation_done", True)
    clearance = ev(n2, "favorable candidate for intrathecal therapy", "psych_clearance", True)
    record = {
        "patient_id": "P-DEMO",
        "status": "ok",
        "note_ids": ["N1", "N2"],
        "request_type": "permanent",
        "indication": "nonmalignant_pain",
        "service_date": "2026-08-01",
        "findings": {
            "pain_etiology_documented": _finding(True, etiology),
            "pain_intractable": _finding(True, intractable),
            "pain_score_nrs": _finding(8.0, nrs),
            "conservative_therapy_months": _finding(86.0, conservative),
            "conservative_therapy_failed": _finding(True, failed),
            "dementia": _finding(False, dementia),
            "active_infection": _finding(False, infection),
            "trial_done": _finding(True, trial_done),
            "trial_pain_reduction_pct": _finding(62.5, relief),
            "trial_functional_improvement": _finding(True, function),
            "psych_evaluation_done": _finding(True, psych_done, superseded=(psych_pending,)),
            "psych_clearance": _finding(True, clearance),
        },
        "mentions": [etiology, intractable, nrs, dementia, infection, family, hypo, relief, function, psych_pending],
        "determinations": {
            "uhc": {
                "status": "meets_criteria",
                "policy": "UHC 2026T0626N",
                "branch": "nonmalignant_pain/permanent",
                "criteria": [
                    {"id": "uhc.nonmalignant.intractable", "text": "Chronic intractable pain of a documented etiology",
                     "cite": "Coverage Rationale, Chronic Nonmalignant Pain", "result": "met",
                     "findings": ["pain_intractable", "pain_etiology_documented"], "evidence": [intractable, etiology], "note": ""},
                    {"id": "uhc.nonmalignant.conservative_6mo", "text": "Failure of at least 6 months of conservative pain management",
                     "cite": "Coverage Rationale, Chronic Nonmalignant Pain", "result": "met",
                     "findings": ["conservative_therapy_months", "conservative_therapy_failed"], "evidence": [conservative, failed], "note": ""},
                    {"id": "uhc.nonmalignant.trial_50", "text": "A trial showing at least 50% pain relief",
                     "cite": "Coverage Rationale, Trial", "result": "met",
                     "findings": ["trial_pain_reduction_pct"], "evidence": [relief], "note": ""},
                    {"id": "uhc.nonmalignant.psych", "text": "Psychological evaluation with clearance for the implant",
                     "cite": "Coverage Rationale, Chronic Nonmalignant Pain", "result": "met",
                     "findings": ["psych_evaluation_done", "psych_clearance"], "evidence": [psych_done, clearance], "note": ""},
                    {"id": "uhc.contra.infection", "text": "No active infection", "cite": "Contraindications", "result": "met",
                     "findings": ["active_infection"], "evidence": [infection], "note": ""},
                    {"id": "uhc.contra.coagulopathy", "text": "No coagulopathy", "cite": "Contraindications", "result": "met",
                     "findings": ["coagulopathy"], "evidence": [], "note": "not documented, assumed absent"},
                ],
                "missing": [],
                "failed": [],
                "reasons": ["All criteria of nonmalignant_pain/permanent are met"],
                "trace": {"id": "uhc.nonmalignant.permanent", "op": "all", "result": "met"},
            },
            "molina": {
                "status": "insufficient_documentation",
                "policy": "Molina MCP-074",
                "branch": "nonmalignant_pain/permanent",
                "criteria": [
                    {"id": "molina.nonmalignant.nrs", "text": "Pain rated greater than 6 on the numeric rating scale",
                     "cite": "Criteria I.A", "result": "met", "findings": ["pain_score_nrs"], "evidence": [nrs], "note": ""},
                    {"id": "molina.nonmalignant.dementia", "text": "No dementia", "cite": "Criteria I.F", "result": "met",
                     "findings": ["dementia"], "evidence": [dementia], "note": ""},
                    {"id": "molina.nonmalignant.function", "text": "Functional improvement during the trial",
                     "cite": "Criteria II.B", "result": "met", "findings": ["trial_functional_improvement"], "evidence": [function], "note": ""},
                    {"id": "molina.nonmalignant.adl", "text": "Pain impairs activities of daily living for at least 6 months",
                     "cite": "Criteria I.B", "result": "missing", "findings": ["adl_impairment"], "evidence": [], "note": ""},
                ],
                "missing": ["adl_impairment"],
                "failed": [],
                "reasons": ["adl_impairment is not documented"],
                "trace": {},
            },
        },
    }
    return record, {n1.note_id: n1, n2.note_id: n2}


PAYLOADS = (
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "</textarea><script>window.__pwned='textarea'</script>",
    "\"><svg onload=\"window.__pwned='svg'\"></svg>",
    "</mark></div><iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
)


def xss_case() -> tuple[list[dict[str, Any]], dict[str, Note]]:
    """Records and notes that carry injection payloads everywhere data reaches the page."""
    text = "HPI: chronic pain. " + " ".join(PAYLOADS) + " Denies dementia.\nPlan: <b>bold?</b> & ampersand\n"
    note = Note("P<script>window.__pwned='pid'</script>", "N\"><img src=x onerror=\"window.__pwned='nid'\">", text, note_date=date(2026, 1, 5))
    bad = ev(note, PAYLOADS[1], "psychogenic_pain", "<img src=x onerror=\"window.__pwned='value'\">")
    textarea = ev(note, PAYLOADS[2], "pain_intractable", True)
    dementia = ev(note, "Denies dementia", "dementia", False, negated=True)
    record = {
        "patient_id": note.patient_id,
        "status": "ok",
        "note_ids": [note.note_id],
        "request_type": "trial",
        "indication": "nonmalignant_pain",
        "service_date": "2026-02-01",
        "findings": {
            "psychogenic_pain": _finding(bad["value"], bad),
            "pain_intractable": _finding(True, textarea),
            "dementia": _finding(False, dementia),
        },
        "mentions": [bad, textarea, dementia],
        "determinations": {
            "cohere": {
                "status": "does_not_meet",
                "policy": "Cohere <script>window.__pwned='policy'</script>",
                "branch": "nonmalignant_pain/trial",
                "criteria": [
                    {"id": "x\"><script>window.__pwned='cid'</script>", "text": "<img src=x onerror=\"window.__pwned='crit'\">",
                     "cite": "<b>cite</b>", "result": "not_met", "findings": ["psychogenic_pain"], "evidence": [bad], "note": "<script>1</script>"},
                ],
                "missing": ["<script>window.__pwned='missing'</script>"],
                "failed": ["x"],
                "reasons": ["<script>window.__pwned='reason'</script>"],
                "trace": {"text": "</pre><script>window.__pwned='trace'</script>"},
            }
        },
    }
    error = {"patient_id": "P2<svg onload=\"window.__pwned='errpid'\">", "note_id": "N9",
             "status": "error", "error": "E201 <script>window.__pwned='error'</script>"}
    return [record, error], {note.note_id: note}


def example_screen_case(notes, payers=None, service_date=None) -> dict[str, Any]:
    """A stand-in for ``screener.pipeline.screen_case`` (same signature, contract-shaped output).

    Marks every ``dementia`` in the notes as a negated mention and gives each payer a
    one-criterion checklist linked to those spans, so the app can be tested (and shown)
    without the NLP pipeline and without depending on extraction quality.
    """
    mentions = []
    for n in notes:
        i = n.text.find("dementia")
        if i >= 0:
            mentions.append({"key": "dementia", "value": False, "note_id": n.note_id, "start": i, "end": i + 8,
                             "text": n.text[i:i + 8], "section": None, "rule_id": "example.dementia", "negated": True,
                             "historical": False, "hypothetical": False, "family": False, "uncertain": False,
                             "note_date": n.note_date.isoformat() if n.note_date else None})
    chosen = list(payers) if payers else ["uhc", "lhcc", "cohere", "molina"]
    return {
        "patient_id": notes[0].patient_id, "status": "ok", "note_ids": [n.note_id for n in notes],
        "request_type": notes[0].request_type, "indication": None,
        "service_date": service_date.isoformat() if service_date else None,
        "findings": {"dementia": {"value": False, "source": "notes", "evidence": mentions, "superseded": []}} if mentions else {},
        "mentions": mentions,
        "determinations": {p: {"status": "insufficient_documentation", "policy": f"{p.upper()} example",
                               "branch": "example", "criteria": [
                                   {"id": f"{p}.dementia", "text": "No dementia", "cite": "example", "result": "met",
                                    "findings": ["dementia"], "evidence": mentions,
                                    "note": "" if mentions else "not documented, assumed absent"}],
                               "missing": ["psych_evaluation_done"], "failed": [],
                               "reasons": ["psych_evaluation_done is not documented"], "trace": {}} for p in chosen},
    }
