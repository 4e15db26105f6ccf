""""Where to look" (screener.suggest): units with exact offsets, the ranking model, and its
evaluation against gold sentences (case.yaml ``evidence`` quotes)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from screener.model import Note
from screener.suggest import Suggester, suggestions_for_view
from screener.suggest.evaluate import evaluate_suggestions, format_suggestions
from screener.suggest.model import rule_examples, training_folders
from screener.suggest.sentences import note_units

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_suggester():
    """Trained on the sample notes, two held-out sets and the rule examples (seconds, not the full default)."""
    return Suggester.train([ROOT / "sample_notes", ROOT / "eval" / "holdout11", ROOT / "eval" / "holdout13"])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Seen by Dr. Smith today. LE 6 mo.\n\nPain 8/10.", ["Seen by Dr. Smith today.", "LE 6 mo.", "Pain 8/10."]),
        ("  - hydrocodone 10 q6h - itching  \n----\n", ["- hydrocodone 10 q6h - itching"]),
        ("One sentence, e.g. this one. Two", ["One sentence, e.g. this one.", "Two"]),
    ],
    ids=["sentences-and-lines", "list-line-and-rule", "abbreviation"],
)
def test_suggest_units_quote_the_original(text, expected):
    units = list(note_units(Note("P", "N", text)))
    assert [u.text for u in units] == expected
    assert all(text[u.start:u.end] == u.text for u in units)


def test_suggest_rule_examples_are_training_positives():
    examples = rule_examples()
    assert "psych_evaluation_done" in examples and len(examples["psych_evaluation_done"]) >= 3


def test_suggest_training_folders_leave_out_what_is_scored():
    held = ROOT / "eval" / "holdout9"
    assert held in training_folders()
    assert held not in training_folders(exclude=[held])


@pytest.mark.parametrize(
    "key,stating",
    [
        ("life_expectancy_months", "Oncology expects him to live about eight more months."),
        ("home_exercise_program", "Does her stretching routine at home every morning per the PT handout."),
        ("psych_clearance", "Psychology saw her 3/2: no barriers, OK to proceed with the trial."),
    ],
)
def test_suggest_the_stating_sentence_is_in_the_top_three(small_suggester, key, stating):
    filler = ["Vitals stable, BP 128/76, afebrile.", "Follow-up in four weeks.", "Lisinopril 10 mg daily.",
              "Discussed parking at the new clinic.", "Lungs clear bilaterally.", "Labs reviewed: CMP normal."]
    text = "\n".join(filler[:3] + [stating] + filler[3:])
    top = small_suggester.top([Note("P", "N1", text)], key, 3)
    assert stating in [u.text for u in top]


def _gold_case(root: Path, quote_present: bool) -> Path:
    folder = root / "G1"
    folder.mkdir(parents=True)
    text = "Chronic low back pain.\nOncology expects him to live about eight more months.\nBP 120/80.\n"
    (folder / "G1-N1.txt").write_text(text, encoding="utf-8")
    note = {"note_id": "G1-N1", "note_date": "2026-05-01", "findings": {"life_expectancy_months": 8}}
    if quote_present:
        note["evidence"] = {"life_expectancy_months": ["live about eight more months"]}
    case = {"patient_id": "G1", "service_date": "2026-08-01", "notes": [note],
            "findings": {"life_expectancy_months": 8}, "determinations": {}}
    (folder / "case.yaml").write_text(yaml.safe_dump(case), encoding="utf-8")
    return root


@pytest.mark.parametrize("quote_present,scored,unscored", [(True, 1, 0), (False, 0, 1)])
def test_suggest_evaluation_scores_only_quoted_gold(tmp_path, small_suggester, quote_present, scored, unscored):
    gold = _gold_case(tmp_path / "gold", quote_present)

    def screen(notes, service_date=None):
        return {"determinations": {"lhcc": {"missing": ["life_expectancy_months"]}}}

    result = evaluate_suggestions(gold, suggester=small_suggester, screen=screen)
    assert (result["scored"], result["unscored"]) == (scored, unscored)
    if scored:
        assert result["hits"] == 1 and result["rows"][0]["rank"] >= 1
        assert "1 of 1" in format_suggestions(result)


def test_suggest_view_suggests_for_missing_keys_only(small_suggester):
    class View:
        notes = {"N1": Note("P", "N1", "Oncology expects him to live about eight more months.\nBP 120/80.", dt.date(2026, 5, 1))}
        reviewer_determinations = {"lhcc": {"missing": ["life_expectancy_months"]}, "uhc": {"missing": []}}

    class State:
        suggester = small_suggester

    got = suggestions_for_view(View(), State())
    assert list(got) == ["life_expectancy_months"]
    assert got["life_expectancy_months"][0]["text"].startswith("Oncology expects")
    assert 0.0 <= got["life_expectancy_months"][0]["score"] <= 1.0
