"""Every target rule's own examples (rules/extraction/targets/*.yaml) are its tests:
an example must produce a mention by that rule, a counter-example must not make the key
true. Rule files are validated on load with errors naming file and node."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import screener
from screener.errors import RulesError
from screener.nlp.rules import default_rules, load_extraction_rules
from screener.paths import rules_dir

RULES = default_rules()
NOTE_DATE = date(2026, 3, 1)
EXAMPLES = [(r.id, ex) for r in RULES.targets for ex in r.examples]
COUNTER = [(r.id, r.key, ex) for r in RULES.targets for ex in r.counter_examples]
RULE_BY_ID = {r.id: r for r in RULES.targets}


def test_extraction_rules_every_finding_key_has_rules():
    from screener.vocabulary import vocabulary

    covered = {r.key for r in RULES.targets}
    assert set(vocabulary()) - covered == set()


def test_extraction_rules_ids_are_unique_and_namespaced():
    ids = [r.id for r in RULES.targets]
    assert len(ids) == len(set(ids))
    assert all("." in i for i in ids)


@pytest.mark.parametrize("rule_id,example", EXAMPLES, ids=[f"{r}:{e[:30]}" for r, e in EXAMPLES])
def test_extraction_rule_example_produces_a_mention(reader, rule_id, example):
    """The rule matches its example, and the mention survives: its own, or a longer
    mention of the same key by another rule that contains it (longest match wins)."""
    rule = RULE_BY_ID[rule_id]
    assert rule.regex.search(example), f"{rule_id} did not match its example"
    mentions = reader.read(example, NOTE_DATE)
    found = [m for m in mentions if m.rule_id == rule_id]
    if not found:
        spans = [m.span(rule.group) if rule.group is not None else m.span() for m in rule.regex.finditer(example)]
        found = [m for m in mentions if m.key == rule.key and any(m.start <= s and e <= m.end for s, e in spans)]
    assert found, f"{rule_id} matched but no mention of {rule.key} came out"
    assert any(m.value is not None for m in found), f"{rule_id} matched but asserted nothing"


@pytest.mark.parametrize("rule_id,key,example", COUNTER, ids=[f"{r}:{e[:30]}" for r, _, e in COUNTER])
def test_extraction_rule_counter_example_does_not_assert_true(reader, rule_id, key, example):
    rule = RULE_BY_ID[rule_id]
    values = [m.value for m in reader.read(example, NOTE_DATE) if m.key == key]
    assert rule.value not in values or rule.value is None, f"{rule_id}: counter-example asserted {values}"


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "extraction"
    shutil.copytree(rules_dir() / "extraction", target)
    return target


@pytest.mark.parametrize(
    "filename,old,new,expected",
    [
        ("targets/contraindications.yaml", "dementia:\n  trigger", "dementiaa:\n  trigger", "unknown finding key"),
        ("targets/cancer_trial.yaml", "parser: life_expectancy", "parser: crystal_ball", "unknown parser"),
        ("targets/cancer_trial.yaml", "near: [trial_performed]", "near: [no_such_concept]", "unknown concept"),
        ("targets/contraindications.yaml", "    - id: dementia.term\n      pattern: '\\b(?:dementia", "    - id: dementia.term\n      pattern: '\\b(?:(dementia", "invalid regular expression"),
        ("targets/contraindications.yaml", "    - id: dementia.term\n", "    - id: dementia.term\n      colour: blue\n", "colour"),
        ("targets/patient.yaml", "value: spasticity", "value: tennis_elbow", "tennis_elbow"),
        ("targets/contraindications.yaml", "    - id: psychosis.term\n", "    - id: dementia.term\n", "duplicate rule id"),
        ("context.yaml", "category: NEGATED_EXISTENCE, direction: FORWARD}", "category: MAYBE, direction: FORWARD}", "rules[0]"),
        ("context.yaml", "  keys: [active_infection,", "  keys: [active_infectionn,", "field_labels.keys"),
        ("context.yaml", "  affirmative: '^", "  affirmative: '(^", "field_labels.affirmative"),
        ("context.yaml", "request_lists:\n  header: '", "request_lists:\n  header: '(", "request_lists.header"),
        ("context.yaml", "request_lists:\n  header:", "request_lists:\n  heading:", "request_lists"),
        ("context.yaml", "retractions:\n  pattern: '", "retractions:\n  pattern: '(", "retractions.pattern"),
        ("context.yaml", "dated_blocks:\n  header: '", "dated_blocks:\n  header: '(", "dated_blocks.header"),
        ("context.yaml", "  absent_when_met: [active_infection,", "  absent_when_met: [age_years,", "worksheet_status.absent_when_met"),
        ("sections.yaml", "  consent: hypothetical", "  consent: maybe", "assertions[consent]: unknown flag"),
        ("targets/psych.yaml", "or_note_kind: [psych_evaluation]", "or_note_kind: [psych_report]", "unknown note kind 'psych_report'"),
        ("note_kinds.yaml", "  trial_procedure: '\\b(?:", "  trial_procedure: '(\\b(?:", "kinds.trial_procedure"),
        ("targets/00_common.yaml", "condition_term: ['*itis',", "condition_term: ['*it',", "'*it': a leading * needs one word"),
        ("targets/conservative.yaml", '- [therapy_item|opioid_item, "...", therapy_item|opioid_item,', '- ["...", therapy_item, therapy_item,',
         "conservative_failed.list_outcome].compose[0]: '...' goes between two lexicon names"),
        ("sections.yaml", "  consent: hypothetical", "  consentt: hypothetical", "assertions[consentt]: unknown section"),
        ("targets/conservative.yaml", '- [therapy_item, item_failed_pred]', '- [therapy_item|no_such_items, item_failed_pred]',
         "unknown lexicon 'no_such_items'"),
        ("targets/psych.yaml", "  defaults: {resolved: keep}", "  defaults: {over: keep}", "over"),
        ("targets/psych.yaml", "  defaults: {resolved: keep}", "  defaults: {resolved: maybe}", "maybe"),
        ("abbreviations.yaml", "  - {short: hx, long: history}", "  - {short: hx, lang: history}", "abbreviations[0]"),
        ("abbreviations.yaml", "  - {short: hx, long: history}", "  - {short: '', long: history}", "abbreviations[0]"),
        ("abbreviations.yaml", "  - {short: h/x, long: history}", "  - {short: HX, long: history}", "listed twice"),
        ("abbreviations.yaml", "before: '{{DURATION_AHEAD}}'", "before: '{{NO_SUCH}}'", "unknown macro"),
        ("abbreviations.yaml", "before: '{{DURATION_AHEAD}}'", "before: '(mo'", "'LE': invalid regular expression"),
        ("derivations.yaml", "    anchor: wean_pred\n    quantity: mme_unit", "    anchor: no_such_lexicon\n    quantity: mme_unit",
         "series[wean.mme_series].anchor: unknown lexicon 'no_such_lexicon'"),
        ("derivations.yaml", "    key: opioid_wean_pct\n    anchor: wean_pred\n    quantity: mme_unit",
         "    key: dementia\n    anchor: wean_pred\n    quantity: mme_unit", "must be a number key"),
        ("derivations.yaml", "    derive: reduction\n    examples:\n      - [\"Oxy", "    derive: average\n    examples:\n      - [\"Oxy",
         "series[0]: derive"),
        ("derivations.yaml", "    not_after: [intrathecal_context]", "    not_before: [intrathecal_context]", "not_before"),
    ],
)
def test_extraction_rules_invalid_file_names_file_and_node(tmp_path, filename, old, new, expected):
    root = _copy_rules(tmp_path)
    path = root / filename
    text = path.read_text(encoding="utf-8")
    assert old in text, "fixture text drifted from the rule file"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_extraction_rules(root)
    message = str(info.value)
    assert message.startswith("E100")
    assert Path(filename).name in message
    assert expected in message


def test_extraction_rules_at_most_needs_bool_key_and_parser(tmp_path):
    root = _copy_rules(tmp_path)
    path = root / "targets" / "contraindications.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    - id: dementia.term\n"
    path.write_text(text.replace(old, old + "      at_most: 3\n", 1), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_extraction_rules(root)
    assert "at_most" in str(info.value) and "dementia.term" in str(info.value)


@pytest.mark.parametrize("line, expected", [
    ("      lower_bound_unless: [conservative_total]\n", "lower_bound_unless needs a number key"),
    ("      lower_bound_unless: [no_such_concept]\n", "unknown concept 'no_such_concept'"),
])
def test_extraction_rules_lower_bound_unless_is_validated(tmp_path, line, expected):
    root = _copy_rules(tmp_path)
    path = root / "targets" / "contraindications.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    - id: dementia.term\n"
    if "no_such" in line:  # on a number rule
        path = root / "targets" / "conservative.yaml"
        text = path.read_text(encoding="utf-8")
        old = "    - id: conservative_months.failed\n"
        line = "      lower_bound_unless: [no_such_concept]\n"
    path.write_text(text.replace(old, old + line, 1), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_extraction_rules(root)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    "text,note_date,expected",
    [
        ("Physical therapy, most recently September to November 2025.", date(2026, 3, 1), True),
        ("Physical therapy, most recently September to November 2019.", date(2026, 3, 1), None),
    ],
)
def test_extraction_dated_care_counts_only_when_recent(text, note_date, expected):
    import screener

    finding = screener.extract(text, note_date=note_date).get("conservative_therapy_within_last_year")
    assert (finding.value if finding else None) is expected


@pytest.mark.parametrize(
    "text,key,expected",
    [
        # a past action is not undone by a cue that says something is over
        ("Gabapentin was tried and stopped because of sedation.", "pharmacotherapy_tried", True),
        ("Oxycodone was stopped after it failed to control the pain.", "systemic_opioids_failed", True),
        ("Intrathecal trial completed 03/02, catheter removed the next day.", "trial_done", True),
        # a judgment that sits beside such a cue says nothing either way
        ("Ortho: no further surgical option (hardware already removed 2014).", "further_surgery_not_indicated", None),
        # a condition that is over still is
        ("Active infection: cellulitis, treated, resolved.", "active_infection", False),
    ],
)
def test_extraction_key_defaults_decide_what_an_over_cue_does(text, key, expected):
    import screener

    finding = screener.extract(text).get(key)
    assert (finding.value if finding else None) is expected


@pytest.mark.parametrize(
    "text,note_date,expected",
    [
        ("Since 01/2024 needs help w/ bathing and can't stand > 10 min.", date(2026, 5, 1), 28.0),
        ("She has been unable to drive or return to work since August 2022.", date(2026, 5, 1), 45.0),
        ("ADLs limited for approx 3 yrs.", date(2026, 5, 1), 36.0),
        ("ADL impairment duration: approx 2 years", date(2026, 5, 1), 24.0),
        ("Since 01/2024 needs help w/ bathing.", None, None),            # no note date: no duration from a date
        ("PT since 01/2024; can't stand long.", date(2026, 5, 1), None),  # the date is the therapy's
    ],
)
def test_extraction_adl_duration_from_its_start_or_its_statement(text, note_date, expected):
    found = screener.extract(text, note_date=note_date).get("adl_impairment_months")
    assert (found.value if found else None) == expected


SERIES_EXAMPLES = [(r.id, text, value) for r in RULES.series for text, value in r.examples]
SERIES_COUNTER = [(r.id, text) for r in RULES.series for text in r.counter_examples]


@pytest.mark.parametrize("rule_id,text,value", SERIES_EXAMPLES, ids=[f"{r}:{t[:30]}" for r, t, _ in SERIES_EXAMPLES])
def test_series_example_derives_its_value_with_every_span_as_evidence(reader, rule_id, text, value):
    """derivations.yaml examples: the series derives exactly this value, and its evidence is
    the anchor and the two quantities (each quoting the note)."""
    found = [m for m in reader.read(text, NOTE_DATE) if m.rule_id == rule_id and m.value is not None]
    assert {m.value for m in found} == {value}
    assert len(found) >= 3
    assert all(text[m.start:m.end] == m.text for m in found)


@pytest.mark.parametrize("rule_id,text", SERIES_COUNTER, ids=[f"{r}:{t[:30]}" for r, t in SERIES_COUNTER])
def test_series_counter_example_derives_nothing(reader, rule_id, text):
    assert not [m for m in reader.read(text, NOTE_DATE) if m.rule_id == rule_id and m.value is not None]


def test_series_a_stated_percentage_beats_a_derived_one():
    """The writer's own computation wins over quantities carried forward in the same note."""
    text = ("Discrepancy: the older checklist lists '240 -> 120 MME' (template carry-forward).\n"
            "Reduction to date: (180 - 110) / 180 = 38.9%.")
    found = screener.extract(text, note_date=NOTE_DATE)["opioid_wean_pct"]
    assert found.value == 38.9
    assert {e.rule_id for e in found.evidence} == {"wean.total_reduction"}


def test_trigger_scan_sees_a_stem_that_starts_inside_a_phrase_stem(reader):
    """"no other" (a phrase stem of a composed rule) does not hide "other programmable"."""
    text = "✔ No infection, no coagulopathy, no other programmable devices, adequate body size"
    stems = [m.group(0).lower() for m in reader._trigger_scan(text.lower(), False)]
    assert "no other" in stems and "other programmable" in stems
    found = [m for m in reader.read(text, NOTE_DATE) if m.key == "other_programmable_device"]
    assert found and all(m.value is False for m in found)


def test_composed_forms_trigger_on_their_most_selective_part():
    from screener.nlp.rules import _form_triggers

    lexicons = {"a": ["x", "y"], "b": ["did not control*", "all failed"], "c": ["*itis", "long term"]}
    assert _form_triggers(["a", "...", "b"], lexicons) == ["all failed", "did not control"]
    assert _form_triggers(["c", "a"], lexicons) == ["x", "y"]  # never a part with terms of any beginning


TRIAL_NOTE = """PROCEDURE: INTRATHECAL TRIAL (single shot)        DOS 01/14/2026
Pt: DOE, J   52M
IT morphine 0.2 mg at L2-3 under fluoro, CSF clear.

  Time    NRS   Walk test (ft)
  pre      8        50
  4 h      3       400

RESULT: 8/10 -> 2/10, ~75% reduction. Pt walked the full corridor.
"""
OFFICE_NOTE = """FAMILY MEDICINE OFFICE VISIT
Pt: DOE, J   52M
PCP: R. Gaudet, MD

Knee: after the steroid injection, RESULT: 8/10 -> 2/10, ~75% reduction.

Plan: pain clinic is arranging an IT trial next month.
"""


@pytest.mark.parametrize("text, kinds, relief", [
    (TRIAL_NOTE, {"trial_procedure"}, 75.0),       # a trial note: its result line is the trial's
    (OFFICE_NOTE, set(), None),                    # an office note that names a trial to come: not
])
def test_note_kind_stands_for_the_trial_near_a_relief_figure(reader, text, kinds, relief):
    assert set(reader.note_kinds(text)) == kinds
    found = screener.extract(text, note_date=NOTE_DATE).get("trial_pain_reduction_pct")
    assert (found.value if found else None) == relief


@pytest.mark.parametrize("text, key, value", [
    ("Conservative tx .................... since 08/2024, failed (see consult 06/16/2026)", "conservative_therapy_failed", True),
    ("Life expectancy ___________________ > 12 months, no life-limiting illness", "life_expectancy_months", 12.1),
])
def test_rules_read_across_dot_and_underscore_leaders(text, key, value):
    found = screener.extract(text, note_date=NOTE_DATE).get(key)
    assert (found.value if found else None) == value
