"""screener.extract / extract_case: text in, findings out, with evidence."""
from __future__ import annotations

from datetime import date

import pytest

import screener
from screener.model import Note

# (text, key, expected value); None means the key must not be found
CASES = [
    # numbers in many forms
    ("The patient is a 58-year-old man.", "age_years", 58.0),
    ("DOB: 04/12/1961", "age_years", 64.0),
    ("After the intrathecal bolus trial, pain went from 8/10 to 3/10.", "trial_pain_reduction_pct", 62.5),
    ("Intrathecal morphine trial: VAS 70 to 30.", "trial_pain_reduction_pct", 57.1),
    ("The intrathecal trial provided 60-70% relief.", "trial_pain_reduction_pct", 60.0),
    ("Life expectancy is estimated at 6-12 months.", "life_expectancy_months", 6.0),
    ("Prognosis: weeks to months.", "life_expectancy_months", 1.0),
    ("Life expectancy is less than 3 months.", "life_expectancy_months", 2.9),
    ("He has failed physical therapy for a year and a half.", "conservative_therapy_months", 18.0),
    ("Oral baclofen x 8 wks without benefit.", "oral_antispasmodic_weeks", 8.0),
    ("Opioids were weaned from 120 MME to 50 MME.", "opioid_wean_pct", 58.3),
    ("Modified Ashworth 4 -> 2 after the intrathecal baclofen test dose.", "baclofen_trial_ashworth_drop", 2.0),
    ("Pain score: 7/10.", "pain_score_nrs", 7.0),
    # templated checkboxes
    ("Dementia: [ ] yes [x] no", "dementia", False),
    ("Dementia: [x] yes [ ] no", "dementia", True),
    ("Psych: (-) SI", "psychiatric_instability_or_suicide_risk", False),
    ("Anticoagulation: No", "coagulopathy", False),
    # assertion
    ("He denies dementia.", "dementia", False),
    ("Mother had dementia.", "dementia", None),
    ("History of IV drug use, in remission for 10 years.", "substance_use_disorder", False),
    ("Active alcohol use disorder, drinks daily.", "substance_use_disorder", True),
    ("If the trial gives >= 50% relief we will proceed with permanent implant.", "trial_pain_reduction_pct", None),
    ("Psychological evaluation pending.", "psych_evaluation_done", False),
    ("Psychological evaluation completed 3/2026; cleared as a favorable candidate.", "psych_clearance", True),
    # numbers about other things
    ("Seen on 8/10 for follow-up.", "pain_score_nrs", None),
    ("Gleason 7/10 adenocarcinoma of the prostate.", "pain_score_nrs", None),
    ("BP 130/80, strength 5/5.", "pain_score_nrs", None),
    ("Morphine 15 mg q4h prn.", "opioid_wean_pct", None),
    ("Spinal cord stimulator trial gave 40% relief.", "trial_pain_reduction_pct", None),
    ("Spinal cord stimulator trial gave 40% relief.", "trial_done", None),
    ("Lumbar ESI gave 60% relief for 2 weeks.", "trial_pain_reduction_pct", None),
    # request and indication
    ("Plan: proceed with permanent pump implantation.", "request_type", "permanent"),
    ("We request authorization for an intrathecal morphine trial.", "request_type", "trial"),
    ("Pump at end of battery life; replacement of the pump is requested.", "request_type", "replacement"),
    ("Metastatic pancreatic adenocarcinoma with refractory pain.", "indication", "cancer_pain"),
    ("Failed back surgery syndrome.", "indication", "nonmalignant_pain"),
    ("Severe spasticity from multiple sclerosis.", "indication", "spasticity"),
    ("Remote history of breast cancer, in remission. Chronic low back pain.", "indication", "nonmalignant_pain"),
    # held-out sets 4-5: informants, criteria statements, pending forms, list negation, plans
    ("Despite this the oxycodone makes him constipated and foggy, his wife says he falls asleep in the chair.", "systemic_opioids_failed", True),
    ("Prognosis discussed w/ pt and daughter: with current therapy, expected survival ~6 mo.", "life_expectancy_months", 6.0),
    ("Per wife, he has no dementia.", "dementia", False),
    # a clinician's words quoted in a review are read; a document's quoted claim is not a finding
    ('- Psych eval 10/09/2026, Dr. Hannah Lu, PsyD: "cleared from a psychological standpoint; no untreated '
     'psychological or psychosocial issues that would interfere with treatment."', "psych_clearance", True),
    ('The denial letter states that "less than 50% reduction in pain was documented during the intrathecal trial." '
     'Respectfully, this is incorrect.', "trial_pain_reduction_pct", None),
    ("Lives with her daughter, who has dementia.", "dementia", None),
    ("Family history: father with coronary disease, mother with dementia.", "dementia", None),
    ("They are aware that insurer criteria for implanted pumps generally require a life expectancy of at least three months.", "life_expectancy_months", None),
    ("Psych eval report will follow after the 05/29 appointment.", "psych_evaluation_done", False),
    ("Psychological evaluation: [ ] Completed (attached)  [X] Scheduled 05/29/2026", "psych_evaluation_done", False),
    ("In preparation for the intrathecal trial, we reduced his oral opioid dose from 60 MME per day to 20 MME per day.", "opioid_wean_pct", 66.7),
    ("- No active infection, no coagulopathy (aspirin only), body habitus adequate for the device, no allergy to morphine.", "insufficient_body_size", None),
    ("Her body size is not sufficient to support a fully implanted pump.", "insufficient_body_size", True),
    ("I would regard his pain as refractory to systemic opioids.", "systemic_opioids_failed", True),
    ("N0\nhist0ry 0f substance abuse.", "substance_use_disorder", False),                    # OCR "N0" = "No"
    ("Leukopenia / pancytopenia: No - WBC 4.2, ANC 2.6", "leukopenia_or_pancytopenia", False),
    ("Coagulopathy / anticoagulation that cannot be held ........ No", "coagulopathy", False),  # the form answers the label
    ("Tender over sacrum and R SI region.", "psychiatric_instability_or_suicide_risk", None),   # sacroiliac, not suicidal ideation
    ("Prior T10 epidural disease with thecal sac compression - resolved after SBRT.", "thecal_sac_encroachment", False),
    # a field label names a condition without stating it; the value decides
    ("Coagulopathy: INR 1.1, Plt 168", "coagulopathy", None),
    ("- Active infection: afebrile, WBC 6.1", "active_infection", None),
    ("Coagulopathy: none", "coagulopathy", False),
    ("Coagulopathy: yes, on warfarin for AF, INR 2.8", "coagulopathy", True),
    ("Psychosis: schizophrenia, stable on clozapine", "psychosis", True),
    ("He has dementia: MoCA 14/30.", "dementia", True),
    # held-out set 7
    ("Psych eval 01/14/26: cleared; no SI, psychiatrically stable.", "psychiatric_instability_or_suicide_risk", False),
    ("Psychiatrically stable; low acute suicide risk.", "psychiatric_instability_or_suicide_risk", False),
    ("No opioid changes until the infection is treated.", "pharmacotherapy_tried", None),
    ("Infection: cholangitis/bacteremia 05/2026 treated, abx completed 05/10, afebrile, no active infection.", "active_infection", False),
    ("Estimated life expectancy 3-6 months. (Earlier 03/2026 estimate of 6-12 mo superseded after progression.) Published median survival for 2nd-line therapy of ~6-7 months was discussed for context only.", "life_expectancy_months", 3.0),
        # held-out set 8: a forward "not present a", a bare "ruled out" closing its own list item,
        # an exam finding that is not opioid-induced hyperalgesia, a limitation in ADLs, a total
        # reduction stated after a taper of doses (not MME to MME)
        ("He is psychiatrically stable and does not present a suicide risk.",
         "psychiatric_instability_or_suicide_risk", False),
        ("Impression: chronic intractable low back pain, candidate for an intrathecal trial, opioids "
         "weaned fifty percent, opioid induced hyperalgesia ruled out.", "pain_intractable", True),
        ("R T8-T10: healed scars, marked allodynia and hyperalgesia to light touch.",
         "opioid_hyperalgesia_ruled_out", None),
        ("Functional limitation in ADLs for more than 3 years.", "adl_impairment", True),
        ("Opioid taper: tapentadol ER 100 mg q12h (MME 80) -> 50 mg q12h (MME 40). Total reduction before trial: 50%.",
         "opioid_wean_pct", 50.0),
        # an infection that has not resolved is present; a problem-list item ends in its outcome
        ("Pump pocket infection, not yet resolved.", "implant_site_infection", True),
        ("Pump pocket infection - not resolved, on IV antibiotics.", "implant_site_infection", True),
        ("- Surgical site infection, lumbar wound, 2014 - resolved after debridement", "implant_site_infection", False),
        # "scheduled opioids" is a dosing schedule, not a plan that makes the sentence future
        ("Refractory to 44 months of multimodal conservative care, interventional blocks and scheduled opioids.",
         "conservative_therapy_months", 44.0),
        # a time point is not a score ("at 6 h: 9 -> 2" was read as 6 -> 9, no relief)
        ("Intrathecal morphine trial.\nPain scores (NRS 0-10):\n  Baseline (pre-injection) ........ 9\n"
         "  6 h ............................. 2\nPeak relief at 6 h: 9 -> 2 = 77.8% reduction.",
         "trial_pain_reduction_pct", 77.8),
        # a consent's list of risks names no complication the patient had
        ("Intrathecal morphine trial today. CONSENT: Risks (PDPH, infection, bleeding, respiratory depression, "
         "pruritus, urinary retention) reviewed; patient agrees.", "trial_side_effects_minimal", None),
        # what a first psychological evaluation found is over once a re-evaluation cleared the patient
        ("Psych: initial eval 12/2025 deferred candidacy d/t untreated depression; re-eval 04/08/26 -> CLEARED.",
         "psych_untreated_issues", False),
        ("Psych: initial eval 12/2025 deferred candidacy d/t untreated depression.", "psych_untreated_issues", True),
        # held-out set 9: prose after a check mark or a checked box, a question, a sacroiliac
        # injection, a date before a percentage
        ("\u2714 No infection, no coagulopathy, no other programmable devices.", "active_infection", False),
        ("[x] No known allergy to baclofen (tolerates oral)", "drug_allergy", False),
        ("Active infection: \u2610 Yes \u2612 No", "active_infection", False),
        ('Pt asked whether her "bladder infection" would delay surgery.', "active_infection", None),
        ("| Lumbar ESI x3, SI inj x1   | 2022 - 2023 |", "psychiatric_instability_or_suicide_risk", None),
        ("   IT trial: 08/18/26 - 50 % reduction (8/10 -> 4/10), walked 400 ft", "trial_pain_reduction_pct", 50.0),
        # years of pump therapy are not conservative care
        ("Over nine years of intrathecal therapy his pain was controlled.", "conservative_therapy_months", None),
        # a contraindication documented absent is false, with its span (issue: denials as evidence)
        ("Afebrile, no signs of infection.", "active_infection", False),
        ("Discharge instructions: monitor for signs of infection.", "active_infection", None),
        ("MRI: no central or foraminal stenosis at any level.", "spinal_stenosis_obstruction", False),
        ("Myelogram: contrast flows freely through the lumbar canal.", "spinal_stenosis_obstruction", False),
        ("Severe central canal stenosis at L4-5.", "spinal_stenosis_obstruction", None),  # stenosis alone: no obstruction said
        ("No cord compression on the staging MRI.", "spinal_stenosis_obstruction", None),  # another condition
        ("XR spine: no segmentation anomaly.", "spinal_anomaly", False),
        ("Scoliosis is mild and not expected to complicate catheter placement.", "spinal_anomaly", False),
        ("No current or past opioid misuse per PDMP.", "opioid_addiction", False),
        ("No drug misuse.", "opioid_addiction", None),  # a substance in general, not opioids
        ("Psychology: the pain is not psychogenic.", "psychogenic_pain", False),
        ("No implant/material or drug allergy known.", "implant_material_allergy", False),
        ("BMI 23 - adequate for pump pocket.", "insufficient_body_size", False),
        # recall of held-out sets 28-30: "since then" after a dated event, a form field under its heading, a
        # field's value past a semicolon, British "MST", an oral trial tolerated
        ("Function: she stopped working in March 2023. Since then she cannot stand longer than 10 minutes and needs "
         "help in and out of the shower.", "adl_impairment", True),
        ("SYSTEMIC OPIOIDS\nFailed / intolerable: [x] Yes - inadequate analgesia, sedation\nFixed schedule: [x] Yes",
         "systemic_opioids_failed", True),
        ("Life expectancy: not limited by any comorbidity; expected >10 years.", "life_expectancy_months", 120.1),
        ("After implant we will continue weaning the MST and aim to stop it within three months.", "opioid_wean_plan", True),
        ("Oral baclofen for 4 weeks. He tolerated it without sedation or weakness, but it did not control his tone.",
         "oral_antispasmodic_intolerant", False),
        ("Oral baclofen was not tolerated well due to sedation.", "oral_antispasmodic_intolerant", True),
        ("Since March 2024 he has been unable to put on socks or get in/out of the bath without help.", "adl_impairment", True),
        ("Per PM&R note: oral baclofen from 2/9/26 to about 3/9/26, no benefit.", "oral_antispasmodic_weeks", 4.0),
        ("Oral baclofen was ineffective over the ~4 weeks he took it; no intolerance.", "oral_antispasmodic_weeks", 4.0),
        # a course that runs to the present from a month; a bare year is left to the stated length
        ("2. CONSERVATIVE TREATMENT (total duration: 04/2023 to present, all failed)", "conservative_therapy_months", 35.0),
        ("Conservative management (2019 to present), failed.", "conservative_therapy_months", None),
        ("Oral baclofen started 3/3/26 and stopped by the patient at ~4 weeks (no side effects, no perceived benefit).",
         "oral_antispasmodic_weeks", 4.0),
        ("Oral therapy to date: baclofen x ~4 weeks, never titrated to target, stopped by the patient for perceived lack "
         "of effect, no intolerance.", "oral_antispasmodic_failed", True),
        ("Chronic post-traumatic thoracolumbar pain with L1 neuropathic (radicular) component after L1 burst fracture.",
         "pain_etiology_documented", True),
        ("The original surgery and subsequent non-operative care have not relieved his pain.", "conservative_therapy_failed", True),
        ("Refractory to more than 6 years of conservative, interventional, and pharmacologic care.",
         "conservative_therapy_months", 72.1),
        ("She can only shop with a motorized cart, and her daughter vacuums and cleans for her - limitations present since "
         "she retired on disability in March 2021.", "adl_impairment_months", 60.0),
        ("Baclofen 20 mg QID, tizanidine 4 mg TID: spasticity uncontrolled on oral agents; side effects prevent further "
         "titration.", "oral_antispasmodic_intolerant", True),
        ("ITB bolus 50 mcg. Drop on Modified Ashworth at peak effect: 2 points at hips and knees.",
         "baclofen_trial_ashworth_drop", 2.0),
        ("He has had a very thorough go at conservative management. From January 2025 to date he has been on pregabalin "
         "150 mg bd, duloxetine 60 mg daily and oxycodone MR 20 mg twice daily.", "conservative_therapy_months", 14.0),
        ("INTRATHECAL TRIAL - PROCEDURE AND 24-HOUR REVIEW\nResult:\n- Best sustained relief 8 -> 2, i.e. 75%.",
         "trial_pain_reduction_pct", 75.0),
        ("INTRATHECAL BACLOFEN SCREENING TEST\nBaseline MAS L knee ext 4, L ankle PF 4. At 4 h: knee ext 2, ankle PF 2 "
         "(drop of 2 points).", "baclofen_trial_ashworth_drop", 2.0),
        # a paragraph headed by a trial title is the trial's: its relief figure is the trial relief
        ("FOLLOW-UP NOTE\nHe is here to discuss the pump.\n\nINTRATHECAL TRIAL 06/30/2026\nSingle-shot morphine 0.25 mg at L2-3. "
         "Baseline NRS 8/10. 2 h: 5/10, 4 h: 3/10. Peak reduction 8 -> 3 = 62.5%.", "trial_pain_reduction_pct", 62.5),
        ("FOLLOW-UP NOTE\nHe is here to discuss the pump.\n\nORAL OPIOID ROTATION\nMorphine ER switched to hydromorphone. "
         "Peak reduction 8 -> 4 = 50%.", "trial_pain_reduction_pct", None),
]


@pytest.mark.parametrize("text,key,expected", CASES, ids=[f"{k}:{t[:35]}" for t, k, _ in CASES])
def test_extraction_reads_finding(text, key, expected):
    findings = screener.extract(text, note_date=date(2026, 3, 1))
    got = findings[key].value if key in findings else None
    if isinstance(expected, float):
        assert got is not None and abs(got - expected) <= 0.1
    else:
        assert got == expected


def test_extraction_evidence_points_at_the_text():
    text = "Plan reviewed.\nHe denies dementia. Mother had dementia."
    finding = screener.extract(text, note_id="N1")["dementia"]
    (evidence,) = finding.evidence
    assert text[evidence.start:evidence.end] == evidence.text == "dementia"
    assert evidence.note_id == "N1" and evidence.negated and evidence.rule_id == "dementia.term"


def _note(note_id, text, day):
    return Note(patient_id="P1", note_id=note_id, text=text, note_date=date.fromisoformat(day) if day else None)


def test_extraction_case_most_recent_dated_statement_wins():
    notes = [
        _note("N2", "Psychological evaluation completed; psychologically cleared.", "2026-03-01"),
        _note("N1", "Psychological evaluation pending.", "2026-01-10"),
    ]
    findings = screener.extract_case(notes)
    assert findings["psych_evaluation_done"].value is True
    assert {e.note_id for e in findings["psych_evaluation_done"].evidence} == {"N2"}
    assert {e.note_id for e in findings["psych_evaluation_done"].superseded} == {"N1"}


def test_extraction_case_longest_conservative_span_wins():
    notes = [
        _note("N1", "Physical therapy x 24 months without relief.", "2025-01-01"),
        _note("N2", "PT x 6 months.", "2026-01-01"),
    ]
    assert screener.extract_case(notes)["conservative_therapy_months"].value == 24.0


def test_extraction_case_input_request_type_overrides_notes():
    notes = [Note("P1", "N1", "We request an intrathecal trial.", request_type="replacement")]
    finding = screener.extract_case(notes)["request_type"]
    assert finding.value == "replacement" and finding.source == "input"
    assert finding.superseded and finding.superseded[0].value == "trial"


def test_extraction_evidence_to_dict_has_every_field():
    from dataclasses import fields

    from screener.model import Evidence

    evidence = Evidence(key="dementia", value=False, note_id="N1", start=1, end=9, text="dementia", note_date=date(2026, 1, 2))
    out = evidence.to_dict()
    assert set(out) == {f.name for f in fields(Evidence)} - {"bound"}  # "bound" only when the number is one
    assert out["note_date"] == "2026-01-02" and out["start"] == 1
    bounded = Evidence(key="life_expectancy_months", value=3.0, note_id="N1", start=1, end=9, text="3 months", bound=">=")
    assert set(bounded.to_dict()) == {f.name for f in fields(Evidence)} and bounded.to_dict()["bound"] == ">="


def test_extraction_case_agreeing_older_note_supports_not_supersedes():
    notes = [
        _note("N1", "He denies dementia.", "2025-01-01"),
        _note("N2", "No dementia.", "2026-01-01"),
        _note("N0", "Dementia: [x] yes [ ] no", "2024-01-01"),
    ]
    finding = screener.extract_case(notes)["dementia"]
    assert finding.value is False
    assert [e.note_id for e in finding.evidence] == ["N2", "N1"]
    assert [e.note_id for e in finding.superseded] == ["N0"]


def test_extraction_quoted_criterion_is_not_a_finding_but_the_answer_is():
    text = ('"c. Failure or inability to tolerate other conservative treatment methods, including physical '
            'therapy" - Over four years she has failed physical therapy, gabapentin and duloxetine.\n'
            '"e. A psychological evaluation confirms a mental health condition is not a major contributor" - '
            'Evaluated on 01/26/2026: psychologically cleared, favorable candidate.')
    findings = screener.extract(text)
    assert findings["conservative_therapy_failed"].value is True
    assert all(e.start > text.index('" - Over') for e in findings["conservative_therapy_failed"].evidence)
    assert findings["psych_clearance"].value is True


@pytest.mark.parametrize(
    "text,key,expected",
    [
        ("SYSTEMIC 0PIOIDS: failed, intolerable sedation.", "systemic_opioids_failed", True),
        ("Has done a home exercise pr0gram daily for 6 months.", "home_exercise_program", True),
        ("He has fai1ed physical therapy.", "conservative_therapy_failed", True),
    ],
)
def test_extraction_reads_through_ocr_digit_swaps(text, key, expected):
    findings = screener.extract(text)
    assert findings[key].value is expected
    evidence = findings[key].evidence[0]
    assert text[evidence.start:evidence.end] == evidence.text  # quotes the original characters


def test_extraction_reads_speech_recognition_split_words():
    text = "he had the in trathecal morphine trial on April 28 with 75 percent relief"
    findings = screener.extract(text)
    assert findings["trial_done"].value is True
    evidence = findings["trial_done"].evidence[0]
    assert text[evidence.start:evidence.end] == evidence.text


def test_extraction_relief_from_other_treatments_is_not_trial_relief():
    text = ("She completed a trial of several bladder agents. The patient had less than 20% improvement "
            "with anticholinergics. Physical therapy gave 30% relief.")
    assert "trial_pain_reduction_pct" not in screener.extract(text)


@pytest.mark.parametrize(
    "given, expected",
    [("2026-03-01", date(2026, 3, 1)), (" 2026-03-01 ", date(2026, 3, 1)), ("", None), (None, None),
     (date(2026, 3, 1), date(2026, 3, 1))],
)
def test_note_dates_given_as_iso_strings_become_dates(given, expected):
    note = Note("P1", "N1", "Psychological evaluation completed.", note_date=given, service_date=given)
    assert note.note_date == expected and note.service_date == expected
    record = screener.screen_case([note], payers=["uhc"])  # evidence serialises the date
    assert record["mentions"][0]["note_date"] == (expected.isoformat() if expected else None)


def test_note_date_that_is_not_iso_is_a_clear_error():
    with pytest.raises(ValueError, match="note_date: not an ISO date"):
        Note("P1", "N1", "text", note_date="03/01/2026")
