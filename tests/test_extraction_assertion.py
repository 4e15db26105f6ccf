"""screener.assertion: ConText's verdict on arbitrary spans."""
from __future__ import annotations

import pytest

import screener


def _flags(text, phrase):
    start = text.index(phrase)
    return screener.assertion(text, [(start, start + len(phrase))])[0]


@pytest.mark.parametrize(
    "text,phrase,flag",
    [
        ("He denies dementia.", "dementia", "negated"),
        ("No evidence of epidural disease.", "epidural disease", "negated"),
        ("Dementia: [ ] yes [x] no", "Dementia", "negated"),
        ("Psych: (-) SI", "SI", "negated"),
        ("Infection: none", "Infection", "negated"),
        ("Mother had dementia.", "dementia", "family"),
        ("Family history: alcoholism in father.", "alcoholism", "family"),
        ("History of IV drug use, in remission for 10 years.", "IV drug use", "historical"),
        ("If the trial gives 50% relief we will proceed.", "50% relief", "hypothetical"),
        ("Psychological evaluation pending.", "Psychological evaluation", "hypothetical"),
        ("Possible early dementia.", "dementia", "uncertain"),
    ],
)
def test_assertion_marks_span(text, phrase, flag):
    assert _flags(text, phrase)[flag] is True


@pytest.mark.parametrize(
    "text,phrase",
    [
        ("He has dementia.", "dementia"),
        ("Dementia: [x] yes [ ] no", "Dementia"),
        ("No fever. Active bacteremia on admission.", "bacteremia"),
        ("She has no rash but has cellulitis of the abdomen.", "cellulitis"),
        (
            "- Safety: no active infection; no bleeding disorder (apixaban can be held); body size adequate "
            "(BMI 26); no other implanted programmable devices; no spinal anomaly, catheter entry planned L1-2; "
            "MRI 04/2026 without intraspinal obstruction at T11-L2; no known allergy to morphine or hydromorphone.",
            "body size adequate",
        ),
    ],
)
def test_assertion_affirmed_span_has_no_flags(text, phrase):
    flags = _flags(text, phrase)
    assert not any(flags[k] for k in ("negated", "historical", "hypothetical", "family", "uncertain"))


def test_assertion_returns_one_verdict_per_span_in_order():
    text = "Denies dementia. Has psychosis."
    spans = [(text.index("psychosis"), text.index("psychosis") + 9), (7, 15)]
    out = screener.assertion(text, spans)
    assert [(o["start"], o["end"]) for o in out] == spans
    assert [o["negated"] for o in out] == [False, True]


def test_assertion_rejects_span_outside_text():
    with pytest.raises(ValueError):
        screener.assertion("short", [(0, 50)])
