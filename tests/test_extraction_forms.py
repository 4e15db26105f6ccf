"""screener.nlp.forms: answers of checklist grids and dot-leader lines, and what they do
to the findings of the labels they answer."""
from __future__ import annotations

import pytest

import screener
from screener.nlp.forms import form_answers

GRID_BRACKETS = """SAFETY SCREEN                                   YES   NO
  Active infection ......................... [ ]   [X]
  Body size adequate for device ............ [X]   [ ]
"""
GRID_PARENS = """RISK SCREEN                          Y     N
  Coagulopathy (INR 1.0) ............ ( )   (X)
"""
GRID_LONE_X = """CLINICAL SUMMARY                               Y    N
 Dementia ..................................  X
 Psychosis .................................       X
"""
GRID_PRESENT_ABSENT = """CANDIDACY CHECKLIST                 Present   Absent
  Psychosis ........................ [ ]       [X]
"""
GRID_WRAPPED_LABEL = """REASON FOR REPLACEMENT                       Yes   No
  Requested for patient convenience or newer technology
    only (current device working) .......... [ ]   [X]
"""
GRID_UNKNOWN_COLUMN = """IDDS CANDIDACY SCREEN                     Yes   No    Unknown
Active systemic infection                 [ ]   [X]   [ ]
Dementia                                  [ ]   [ ]   [X]
Active substance use                      [X]   [ ]   [ ]    cocaine - see UDS
"""
COMPOUND_LEADER = """SAFETY
  Dementia / psychosis .............. No / No
  Infection / fever ................. Yes / No
"""
GRID_BLANK_ROWS = """SAFETY SCREEN                 Yes   No
  Active infection ...... [ ]   [ ]
  Coagulopathy .......... [X]   [X]
"""
GRID_BARS = """PA CHECKLIST                      | Y | N | COMMENT
Trial completed                   | X |   | 3-day infusion
Systemic infection                |   | X |
Bleeding disorder / anticoag      |   | X | off warfarin
"""
TABLE_ROWS = """CONTRAINDICATION CHECKLIST
| Item                                         | Y/N |
| Active alcohol/drug abuse, opioid addiction  | N   |  (ex-smoker)
| Dementia / psychosis                         | N   |
| Body habitus adequate (BMI 29.4)             | Y   |
"""
LEADERS = """SAFETY REVIEW                         Present?
  Active infection ................ No
  Coagulopathy (INR 1.0) .......... NO
  Body size adequate (BMI 24) ..... YES
  Dementia ________________________ no
  Psychosis                         No
"""


def answered(text):
    return [(" ".join(text[s:e].replace(".", " ").split()), present) for s, e, present in form_answers(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (GRID_BRACKETS, [("Active infection", False), ("Body size adequate for device", True)]),
        (GRID_PARENS, [("Coagulopathy (INR 1 0)", False)]),
        (GRID_LONE_X, [("Dementia", True), ("Psychosis", False)]),
        (GRID_PRESENT_ABSENT, [("Psychosis", False)]),
        (GRID_WRAPPED_LABEL, [("Requested for patient convenience or newer technology only (current device working)", False)]),
        (LEADERS, [("Active infection", False), ("Coagulopathy (INR 1 0)", False), ("Body size adequate (BMI 24)", True),
                   ("Dementia ________________________", False), ("Psychosis", False)]),
        (GRID_UNKNOWN_COLUMN, [("Active systemic infection", False), ("Dementia", None), ("Active substance use", True)]),
        (GRID_BLANK_ROWS, [("Active infection", None), ("Coagulopathy", None)]),
        (COMPOUND_LEADER, [("Dementia / psychosis", False)]),  # "Yes / No" is a choice, not an answer
        (GRID_BARS, [("Trial completed |", True), ("Systemic infection | |", False),
                     ("Bleeding disorder / anticoag | |", False)]),
        (TABLE_ROWS, [("Active alcohol/drug abuse, opioid addiction", False), ("Dementia / psychosis", False),
                      ("Body habitus adequate (BMI 29 4)", True)]),
    ],
    ids=["brackets", "parens", "lone-x", "present-absent", "wrapped-label", "leaders", "unknown-column", "blank-rows",
         "compound-leader", "bars", "table-rows"],
)
def test_form_answers_read_the_layout(text, expected):
    assert answered(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "HEADER                 Yes   No\n\n  Infection ..........   X\n",   # a blank line ends the grid
        "He was seen today.   No change in his medications.\n",           # prose, not a leader line
    ],
    ids=["grid-ended", "prose"],
)
def test_form_answers_leave_unanswered_rows_alone(text):
    assert form_answers(text) == []


def test_form_answers_a_blank_grid_row_is_unanswered_unless_the_next_line_continues_it():
    text = ("CRITERIA CHECKLIST                    Y    N    COMMENT\n"
            "Life expectancy > 3 months\n"
            "Pain intractable despite six\n"
            "   months of conservative care         X         since 2021\n")
    answers = form_answers(text)
    blank = text.index("Life")
    wrapped = text.index("Pain")
    assert (blank, blank + len("Life expectancy > 3 months"), None) in answers
    assert [a for a in answers if a[0] == wrapped and a[2] is True]
    assert not [a for a in answers if a[0] == wrapped and a[2] is None]


@pytest.mark.parametrize(
    "text, key, expected",
    [
        (GRID_BRACKETS, "active_infection", False),
        (GRID_BRACKETS, "insufficient_body_size", False),
        (GRID_PARENS, "coagulopathy", False),
        (GRID_LONE_X, "dementia", True),
        (GRID_LONE_X, "psychosis", False),
        (GRID_PRESENT_ABSENT, "psychosis", False),
        (GRID_WRAPPED_LABEL, "replacement_for_convenience", False),
        (LEADERS, "active_infection", False),
        (LEADERS, "coagulopathy", False),
        (LEADERS, "dementia", False),
        (LEADERS, "psychosis", False),
        (GRID_UNKNOWN_COLUMN, "active_infection", False),
        (GRID_UNKNOWN_COLUMN, "dementia", None),          # "unknown" answers nothing
        (GRID_UNKNOWN_COLUMN, "substance_use_disorder", True),
        (GRID_BLANK_ROWS, "active_infection", None),      # a blank row of a checklist says nothing
        (GRID_BLANK_ROWS, "coagulopathy", None),          # nor one marked twice
        (GRID_BARS, "active_infection", False),           # a grid drawn with bars
        (GRID_BARS, "coagulopathy", False),
        (TABLE_ROWS, "opioid_addiction", False),          # a table row's answer cell
        (TABLE_ROWS, "dementia", False),
        # an unchecked option is not chosen, not denied: no finding either way
        ("Procedure: [ ] IT trial   [ ] Initial implant   [X] Pump replacement\n", "trial_done", None),
        ("INDICATION: [ ] cancer pain   [X] chronic nonmalignant pain   [ ] spasticity\n", "indication", "nonmalignant_pain"),
    ],
)
def test_form_answers_decide_the_findings_of_their_labels(text, key, expected):
    finding = screener.extract(text).get(key)
    assert (finding.value if finding else None) == expected


def test_form_rows_are_sentences_of_their_own():
    """A "No" at the end of one leader line must not negate the next line's label."""
    text = "Allergy to device materials .......... No\nBody size sufficient for device ...... Yes\n"
    assert screener.extract(text)["insufficient_body_size"].value is False


def test_form_answers_read_long_runs_of_spaces_in_linear_time():
    """A fixed-width export may pad a line with tens of thousands of spaces; a quadratic
    reading would hang the note (and the worker) here."""
    line = "Active infection" + " " * 50_000 + "No\n"
    assert answered(line) == [("Active infection", False)]
    assert form_answers("x" + " " * 50_000 + "z\n" + "SAFETY" + " " * 50_000 + "Q   R\n") == []


# Office-staff layouts (held-out set 11): a comment column after Y/N, circled answers,
# |-separated inline answers, and left-mark lists closed by a marked "none of the above".
GRID_COMMENT_COLUMN = """CRITERIA CHECKLIST                              Y    N    COMMENT
---------------------------------------------------------------------------------
Compliant w/ prior treatment                    X         pill counts, UDS
Active infection                                     X
Dementia                                             X    MoCA 28
"""
CIRCLED = """Metastatic disease                              (Y)  N    liver
Active infection                                 Y  (N)
Dementia  Y (N)   |   Psychosis  Y (N)   |   Substance abuse  Y (N)
"""
PIPE_INLINE = """Dementia N | Psychosis N | Active infection N | Infection at site N |
Allergy to implant materials N | Alcohol/drug abuse Y
"""
MARK_LIST_NONE = """CONTRAINDICATIONS - put X if present:
    Active infection
    Dementia
 X  NONE of the above
"""
MARK_LIST_OPEN = """Place an X by each item that applies:
 X   Severe spasticity of spinal cord origin
     Active infection
"""
BOX_ITEMS_NONE = """CONTRAINDICATIONS (check if present)
[ ] Active systemic infection        [ ] Infection at implant site
[ ] Dementia                         [ ] Active alcohol/drug abuse/opioid addiction
None present. Body size adequate (BMI 27).
"""
BOX_ITEMS_OPEN = """Request Type: [ ] Trial  [X] Permanent  [ ] Replacement
[ ] Dementia   [ ] Active alcohol/drug abuse/opioid addiction
Further surgery indicated: [ ] Yes  [X] No
"""

OFFICE_FORMS = [
    (GRID_COMMENT_COLUMN, "Compliant w/ prior treatment", True),
    (GRID_COMMENT_COLUMN, "Active infection", False),
    (GRID_COMMENT_COLUMN, "Dementia", False),
    (CIRCLED, "Metastatic disease", True),
    (CIRCLED, "Active infection", False),
    (CIRCLED, "Psychosis", False),
    (CIRCLED, "Substance abuse", False),
    (PIPE_INLINE, "Psychosis", False),
    (PIPE_INLINE, "Alcohol/drug abuse", True),
    (MARK_LIST_NONE, "Active infection", False),
    (MARK_LIST_NONE, "Dementia", False),
    (MARK_LIST_OPEN, "Severe spasticity of spinal cord origin", True),
    (MARK_LIST_OPEN, "Active infection", "none"),  # unmarked, no "none of the above": says nothing
    (BOX_ITEMS_NONE, "Infection at implant site", False),  # boxes before labels, closed by "None present."
    (BOX_ITEMS_NONE, "Active alcohol/drug abuse/opioid addiction", False),
    (BOX_ITEMS_OPEN, "Permanent", True),
    (BOX_ITEMS_OPEN, "Trial", None),  # an unmarked box is unanswered: never asserted
    (BOX_ITEMS_OPEN, "Active alcohol/drug abuse/opioid addiction", None),
    (BOX_ITEMS_OPEN, "Further surgery indicated", False),  # the label before "[ ] Yes  [X] No"
    ("Dementia: [ ] yes [x] no\n", "Dementia", False),
    ("Replacement requested for patient convenience / upgrade only?  [ ] Yes  [X] No\n",
     "Replacement requested for patient convenience / upgrade only", False),
    ("Recall notice received?  [X] Yes  [ ] No\n", "Recall notice received", True),
    ("Recall notice received?  [ ] Yes  [ ] No\n", "Recall notice received", None),
    # a "check all that apply" list written as box items, then Yes/No rows: not a mark list
    ("Reason for replacement (check all that apply):\n  [X] Elective replacement indicator\n  [ ] Manufacturer recall\n"
     "Recall notice received?  [ ] Yes  [X] No\n", "Elective replacement indicator", True),
    ("Reason for replacement (check all that apply):\n  [X] Elective replacement indicator\n  [ ] Manufacturer recall\n"
     "Recall notice received?  [ ] Yes  [X] No\n", "Recall notice received", False),
    ("INDICATION: [ ] cancer   [X] nonmalignant   [ ] spasticity\n", "nonmalignant", True),
    ("INDICATION: [ ] cancer   [X] nonmalignant   [ ] spasticity\n", "spasticity", None),
]


@pytest.mark.parametrize("text,label,expected", OFFICE_FORMS, ids=[f"{l}:{str(e)}" for _, l, e in OFFICE_FORMS])
def test_forms_office_layouts_answer_their_labels(text, label, expected):
    start = text.index(label)
    answered = [a for a in form_answers(text) if a[0] <= start and start + len(label) <= a[1]]
    if expected == "none":
        assert answered == []
    else:
        assert len(answered) == 1 and answered[0][2] is expected


@pytest.mark.parametrize("text,key,expected", [
    (CIRCLED, "dementia", False), (CIRCLED, "metastatic_disease", True), (CIRCLED, "active_infection", False),
    (PIPE_INLINE, "psychosis", False), (MARK_LIST_NONE, "active_infection", False),
    (MARK_LIST_NONE, "dementia", False), (BOX_ITEMS_NONE, "opioid_addiction", False),
    (BOX_ITEMS_NONE, "dementia", False), (BOX_ITEMS_OPEN, "opioid_addiction", None),
    (BOX_ITEMS_OPEN, "request_type", "permanent"),
])
def test_forms_office_layouts_give_findings(reader, text, key, expected):
    found = screener.extract(text).get(key)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("3. Is further surgery indicated? No. Second opinion agrees.", [("Is further surgery indicated", False)]),
        ("x.\n1. Is the device functioning? At this time, yes. Interrogated.", [("Is the device functioning", True)]),
        ("5. Any contraindication? None identified.", [("Any contraindication", False)]),
        ("4. Has hyperalgesia been considered? Dr. P reduced the dose.", [("Has hyperalgesia been considered", None)]),
        ("Trial result?                 75% relief, walked 400 ft", []),   # a field label: the prose answers
        ("SAFETY REVIEW                 Present?\n", []),                    # a column header
        ("Alcohol?   [ ] yes  [x] no", [("Alcohol", False)]),               # the boxes answer it
    ],
    ids=["answered-no", "answered-yes-after-phrase", "none-identified", "prose-answer", "field-label", "header", "boxes"],
)
def test_form_answers_questions_and_their_answers(text, expected):
    assert answered(text) == expected


WORKSHEET = """CRITERIA                                                STATUS          COMMENT
Age > 18                                                Met             44
Trial completed                                         Met             IT morphine 01/22/26
OIH ruled out                                           Not documented  not addressed in any note received
Opioid wean before trial                                Not met         no taper
Active infection / site infection ..................... Met             none documented; afebrile at trial
Life expectancy                                         N/A
"""


def test_form_answers_read_a_worksheet_status_column():
    from screener.nlp.forms import MET, NOT_MET

    assert answered(WORKSHEET) == [
        ("Age > 18", MET), ("Trial completed", MET), ("OIH ruled out", None),
        ("Opioid wean before trial", NOT_MET), ("Active infection / site infection", MET), ("Life expectancy", None),
    ]


@pytest.mark.parametrize("row, key, expected", [
    ("IT morphine trial completed         Met             01/22/26, 8 -> 3", "trial_done", True),
    ("IT morphine trial completed         Not met         scheduled 3/2", "trial_done", False),
    ("Active infection / site infection   Met             none documented", "active_infection", False),
    ("Active infection / site infection   Not met         cellulitis L flank", "active_infection", True),
    ("Coagulopathy                        Not documented", "coagulopathy", None),
])
def test_form_worksheet_status_means_the_criterion_holds(reader, row, key, expected):
    """"Met" is the row's criterion: for a contraindication (context.yaml worksheet_status) its absence."""
    found = screener.extract("CRITERIA                            STATUS          COMMENT\n" + row + "\n").get(key)
    assert (found.value if found else None) == expected
