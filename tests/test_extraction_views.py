"""The normalized view (nlp.views): abbreviations written out for the rules, offsets mapped
back so that evidence quotes the original note."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.nlp.views import Abbreviation, Normalizer, TextView

LEXICON = (
    Abbreviation("tx", "treatment"),
    Abbreviation("w/", "with"),
    Abbreviation("w/o", "without"),
    Abbreviation("cons tx", "conservative treatment"),
    Abbreviation("LE", "life expectancy", exact_case=True, before=r"\s*>?\s*\d"),
    Abbreviation("↓", "decreased "),
    Abbreviation("mo", "months", after=r"\d\s*"),
    Abbreviation("comma", ",", exact_case=True),
    Abbreviation("period", ".", exact_case=True, before=r"\s+[A-Z]"),
)


@pytest.mark.parametrize(
    "text,view",
    [
        ("cons tx failed", "conservative treatment failed"),
        ("Cons  TX failed", "conservative treatment failed"),  # any case, any run of spaces
        ("tx: PT", "treatment: PT"),
        ("w/o relief", "without relief"),  # the longer abbreviation wins
        ("w/pain", "with pain"),  # a space where the abbreviation ran into a word
        ("LE > 12 mo", "life expectancy > 12 months"),
        ("failed comma including PT period Her pain", "failed , including PT . Her pain"),  # dictated punctuation
        ("trial period of 6 weeks", "trial period of 6 weeks"),
        ("LE spasticity", "LE spasticity"),  # "LE" only before a number: lower extremity stays
        ("le > 12", "le > 12"),  # exact case
        ("MME ↓40%", "MME decreased 40%"),
        ("12 mo; mo 3", "12 months; mo 3"),  # "mo" is months only after a number
        ("txt and ctx and 12/tx", "txt and ctx and 12/tx"),  # whole tokens only
        ("intrac-\ntable pain", "intractable pain"),  # a word hyphenated across a line break
        ("no illness, life\n  expectancy > 10", "no illness, life expectancy > 10"),  # a line wrapped inside a phrase
        ("Plan:\nfollow up", "Plan:\nfollow up"),  # a label's line break stays
        ("She stopped working in March 2023. Since then she cannot stand.",
         "She stopped working in March 2023. Since March 2023 she cannot stand."),  # "since then" is the event's date
        ("She fell in 2019.\n\nSince then she cannot dress.", "She fell in 2019.\n\nSince then she cannot dress."),  # not across paragraphs
        ("HPI: constant burning pain, refractory to everything tried. Pain diary over last 7 days:\naverage 6/10",
         "HPI: constant burning pain, refractory to everything tried. Pain diary over last 7 days: average 6/10"),  # prose wrapped
        ("PAIN\nScore 7", "PAIN\nScore 7"),  # a line starting upper-case stays
        ("no abbreviation here", "no abbreviation here"),
    ],
)
def test_views_write_out_lexicon_abbreviations(text, view):
    assert Normalizer(LEXICON).view(text).text == view


@pytest.mark.parametrize(
    "text,view_piece,original",
    [
        ("cons tx failed x", "failed", "failed"),  # after an expansion
        ("cons tx failed x", "conservative treatment", "cons tx"),  # the expansion quotes the abbreviation
        ("cons tx failed x", "treatment failed", "cons tx failed"),  # starting inside an expansion
        ("pain w/o relief", "pain with", "pain w/o"),  # ending inside an expansion
        ("intrac-\ntable pain", "intractable", "intrac-\ntable"),
    ],
)
def test_views_map_spans_back_to_the_original(text, view_piece, original):
    view = Normalizer(LEXICON).view(text)
    start = view.text.index(view_piece)
    s, e = view.original_span(start, start + len(view_piece))
    assert text[s:e] == original


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("tx w/o LE>12 cons↓-\nab")), max_size=60), st.data())
def test_views_every_view_span_maps_inside_the_note_in_order(text, data):
    view = Normalizer(LEXICON).view(text)
    n = len(view.text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    s, e = view.original_span(start, end)
    assert 0 <= s <= e <= len(text)
    assert view.original_span(0, n) == (0, len(text))


def test_views_identity_when_nothing_to_write_out():
    view = TextView("plain text")
    assert view.identity and view.original_span(2, 5) == (2, 5)


@pytest.mark.parametrize(
    "text,key,value,quote",
    [
        ("Cons tx (PT, meds) failed x 8 mo.", "conservative_therapy_failed", True, None),
        ("NSGY: no more surgical tx warranted.", "further_surgery_not_indicated", True, None),
        ("LE > 1 yr per oncology.", "life_expectancy_months", 12.1, "LE > 1 yr"),
        ("Failed cons tx x 8 mo, w/ PT.", "conservative_therapy_months", 8.0, "cons tx x 8 mo"),
        ("Pt failed >12 mo of care.", "conservative_therapy_months", 12.1, "failed >12 mo of"),
        # approximators read as the one the rules know ("roughly" / "around" -> "about", "in excess of" -> "more than")
        ("He has had conservative treatment for roughly seven years.", "conservative_therapy_months", 84.0,
         "conservative treatment for roughly seven years"),
        ("Conservative care for well over 2 years.", "conservative_therapy_months", 24.1, "Conservative care for well over 2 years"),
        ("Life expectancy in excess of 10 years per PCP.", "life_expectancy_months", 120.1, None),
        ("Oxycodone around the clock for 4 years.", "opioids_fixed_schedule", True, None),  # "around" only before a number
        # a wrapped line is read across; the quote is still the original's
        ("PCP letter 06/2026: no life-limiting illness, life\n expectancy > 10 years despite CM.", "life_expectancy_months",
         120.1, "life\n expectancy > 10 years"),
    ],
)
def test_views_rules_read_written_out_text_and_quote_the_original(reader, text, key, value, quote):
    found = [m for m in reader.read(text) if m.key == key and m.value is not None]
    assert found, f"no {key} in {text!r}"
    assert found[0].value == value
    for m in found:
        assert m.text == text[m.start:m.end]  # evidence points into the original
        assert text[m.sentence_start:m.sentence_end].strip()
    if quote is not None:
        assert quote in {m.text for m in found}


def test_views_every_mention_of_the_bundled_notes_quotes_the_original(reader):
    root = Path(__file__).resolve().parents[1]
    checked = 0
    for path in sorted((root / "sample_notes").rglob("*.txt")) + sorted((root / "eval").rglob("*.txt"))[:200]:
        text = path.read_text(encoding="utf-8")
        for m in reader.read(text):
            assert m.text == text[m.start:m.end], path.name
            assert m.sentence_start <= m.start and m.end <= m.sentence_end, path.name
            checked += 1
    assert checked > 1000
