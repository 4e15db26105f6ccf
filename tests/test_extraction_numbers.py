"""screener.nlp.numbers: spelled-out quantities of dictation read as digits, same length."""
from __future__ import annotations

from pathlib import Path

import pytest

import screener
from screener.nlp.numbers import spelled_numbers_view

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("was eight out of ten", "was 8     out of 10 "),
        ("a sixty two point five percent reduction", "a 62.5                 percent reduction"),
        ("for twenty-eight months", "for 28" + " " * 10 + " months"),
        ("morphine zero point two milligrams", "morphine 0.2            milligrams"),
        ("one hundred and twenty MME", "120                    MME"),
        ("Fifty seven year old man", "57          year old man"),
        ("fifteen", "15     "),                              # a teen cannot be prose
        # prose stays prose
        ("at one point in time no one of the", "at one point in time no one of the"),
        ("in twenty twenty two he did PT", "in twenty twenty two he did PT"),   # a year, not a number
        ("Two, chronic pain. One, FBSS.", "Two, chronic pain. One, FBSS."),    # list numbering
        ("often attention tenth", "often attention tenth"),
        ("one and a half years", "one and a half years"),                      # the duration rules read it
    ],
)
def test_spelled_numbers_view_reads_quantities(text, expected):
    assert spelled_numbers_view(text) == expected


def test_spelled_numbers_view_keeps_every_offset():
    texts = [p.read_text(encoding="utf-8") for folder in ("sample_notes", "eval") for p in sorted((REPO / folder).rglob("*.txt"))]
    changed = 0
    for text in texts:
        view = spelled_numbers_view(text)
        assert len(view) == len(text)
        changed += view != text
    assert changed > 0


@pytest.mark.parametrize(
    "text, key, expected",
    [
        ("His baseline pain before the injection was eight out of ten.", "pain_score_nrs", 8.0),
        ("After the intrathecal trial bolus he had a sixty two point five percent reduction in pain.",
         "trial_pain_reduction_pct", 62.5),
        ("He has been in structured conservative management for twenty eight months now.",
         "conservative_therapy_months", 28.0),
    ],
)
def test_dictated_numbers_become_findings(text, key, expected):
    finding = screener.extract(text).get(key)
    assert finding is not None and finding.value == expected
    assert " ".join(e.text for e in finding.evidence)[:1].isalpha()  # evidence quotes the words, not digits
