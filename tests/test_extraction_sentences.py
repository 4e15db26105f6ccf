"""The clinical sentence splitter and the section detector work on raw text."""
from __future__ import annotations

import pytest

from screener.nlp.sentences import split_sentences


def _sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("He failed PT x 6 mos. Dr. Smith saw him.", ["He failed PT x 6 mos.", "Dr. Smith saw him."]),
        ("Dose 3.5 mg daily. Next visit.", ["Dose 3.5 mg daily.", "Next visit."]),
        ("Dementia: [ ] yes [x] no\nPsych: (-) SI", ["Dementia: [ ] yes [x] no", "Psych: (-) SI"]),
        ("- Gabapentin 300 mg\n- Oxycodone", ["- Gabapentin 300 mg", "- Oxycodone"]),
        ("1. Proceed with trial. Then see.\n2. F/u 2 wks.", ["1. Proceed with trial.", "Then see.", "2. F/u 2 wks."]),
        (
            "THE PATIENT HAS FAILED CONSERVATIVE TREATMENT INCLUDING PHYSICAL\nTHERAPY AND MEDICATIONS.",
            ["THE PATIENT HAS FAILED CONSERVATIVE TREATMENT INCLUDING PHYSICAL\nTHERAPY AND MEDICATIONS."],
        ),
        ("PLAN\nIntrathecal trial.", ["PLAN", "Intrathecal trial."]),
        (
            " Coagulopathy | none; not on anticoag\n Body habitus | BMI 27.4, adequate for abdominal pump",
            ["Coagulopathy | none; not on anticoag", "Body habitus | BMI 27.4, adequate for abdominal pump"],
        ),
        (   # a long ALL-CAPS line is prose of an all-caps note, not a header
            "GOOD CANDIDATE FOR ITB. HOWEVER, HIS BODY\nHABITUS IS CURRENTLY INSUFFICIENT TO SUPPORT THE PUMP.",
            ["GOOD CANDIDATE FOR ITB.", "HOWEVER, HIS BODY\nHABITUS IS CURRENTLY INSUFFICIENT TO SUPPORT THE PUMP."],
        ),
        (   # dot-leader rows of a form are rows, however long
            "Allergy to device materials (titanium, silicone) .... No\nBody size sufficient for device (BMI 29) ..... Yes",
            ["Allergy to device materials (titanium, silicone) .... No", "Body size sufficient for device (BMI 29) ..... Yes"],
        ),
        ("no sentences here", ["no sentences here"]),
        ("   \n\n  ", []),
    ],
)
def test_sentences_split_clinical_layouts(text, expected):
    assert _sentences(text) == expected


def test_sentences_spans_index_the_original_text():
    text = "  Pain 8/10.\n\nHe denies SI.  "
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()
        assert 0 <= start < end <= len(text)


@pytest.mark.parametrize(
    "text,offset_of,section",
    [
        ("HISTORY OF PRESENT ILLNESS: pain.\nPAST MEDICAL HISTORY: CAD.", "CAD", "pmh"),
        ("Family History:\nMother with dementia.", "dementia", "family_history"),
        ("Assessment/Plan:\n1. trial", "trial", "assessment"),
        ("Pain 8/10 at rest.", "8/10", None),
        ("FHx: mother with dementia.\nO:\nBP 120/80", "BP", "exam"),
        ("FHx: mother with dementia.\n\nUnrecognised header\nHe has dementia.", "He has", None),
        ("A:\n58 y/o M w/ FBSS", "FBSS", "assessment"),
        # an inline field ends at the next line that is a field of its own, or at its sibling list item
        ("FH: brother w/ schizophrenia.\nPCP (Dr. Lam) note 01/2026: no life-limiting dx, LE > 5 yrs.", "LE >", None),
        ("FH: mother with dementia, father with\nstroke at 70.", "stroke", "family_history"),
        ("- Risks reviewed: infection, CSF leak\n- No active infection at this time.", "No active", None),
        ("- Risks reviewed: infection, CSF leak,\n  respiratory depression.", "respiratory", "consent"),
        ("Consent: risks reviewed - infection, overdose/respiratory depression. Pt wishes to proceed.", "overdose", "consent"),
    ],
)
def test_sections_detect_titles_at_line_start(reader, text, offset_of, section):
    index = reader.sections.index(text)
    assert index.section_at(text.index(offset_of)) == section


@pytest.mark.parametrize(
    "text,at,expected",
    [
        # a list item: from its bullet to the next bullet, whatever sentences it holds
        ("Interval:\n- IT trial 07/28. Pain 9 -> 3. Walked unaided.\n- Discharged 07/30.", "Walked",
         "- IT trial 07/28. Pain 9 -> 3. Walked unaided."),
        # a wrapped item keeps its continuation lines
        ("1. IT trial 07/28.\n   Pain 9 -> 3.\n   Walked unaided.\n2. Next.", "Walked", "1. IT trial 07/28.\n   Pain 9 -> 3.\n   Walked unaided."),
        # a paragraph: from the blank line above to the blank line below
        ("Plan.\n\nTrial done 3/2. Pain better.\nWalked far.\n\nNext visit.", "Walked", "Trial done 3/2. Pain better.\nWalked far."),
    ],
)
def test_item_window_is_the_list_item_or_paragraph(text, at, expected):
    from screener.nlp.reader import _item_bounds

    start, end = _item_bounds(text, text.index(at))
    assert text[start:end] == expected
