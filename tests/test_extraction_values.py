"""Value parsers (screener.nlp.values): durations, percentages, scores, ages, dates."""
from __future__ import annotations

from datetime import date

import pytest

from screener.nlp import values

NOTE_DATE = date(2026, 3, 1)


@pytest.mark.parametrize(
    "parser,text,expected",
    [
        ("duration_months", "six months", 6.0),
        ("duration_months", "a year and a half", 18.0),
        ("duration_months", "one and a half years", 18.0),
        ("duration_months", "1.5 years", 18.0),
        ("duration_months", "18 mos", 18.0),
        # a start date after "since" / "began" / "started": to the note date (2026-03-01)
        ("duration_months", "Conservative tx (began 04/14/2025 at PCP)", 10.5),  # a full date counts by days
        ("duration_months", "continuous since ~03/2020", 72.0),
        ("duration_months", "Since her injury in August 2022 she has received care", 43.0),
        ("duration_months", "x 14 months", 14.0),
        ("duration_months", "over 2 years of conservative care", 24.1),  # a lower bound: "more than 24 months"
        ("duration_months", "since 01/2025", 14.0),
        ("duration_months", "since March 2025", 12.0),
        ("duration_months", "nothing here", None),
        ("pre_post_reduction", "Peak relief at 6 h: 9 -> 2", 77.8),  # "6 h" is a time point
        ("pre_post_reduction", "baseline NRS 8/10 -> day 3 average 3/10", 62.5),
        ("duration_months", "for twenty eight months now", 28.0),   # dictated compound numbers
        ("duration_months", "thirty-six months", 36.0),
        ("duration_months", "ninety days", 3.0),
        ("duration_weeks", "x 8 wks", 8.0),
        ("duration_weeks", "for three months", 13.0),
        ("duration_weeks", "10 weeks", 10.0),
        # a full start date counts in days for weeks (note date 2026-03-01): 02/08 is 3 weeks, not "one month"
        ("duration_weeks", "Oral baclofen started 02/08/2026 - titrating", 3.0),
        ("duration_weeks", "baclofen since 01/2026", 8.7),  # a month start keeps month precision (2 months)
        ("life_expectancy", "6-12 months", 6.0),
        ("life_expectancy", "weeks to months", 1.0),
        ("life_expectancy", "less than 3 months", 2.9),
        ("life_expectancy", "greater than 6 months", 6.1),
        ("life_expectancy", "about a year", 12.0),
        ("percent", "60% relief", 60.0),
        ("percent", "50-60% improvement", 50.0),
        ("percent", "~70% pain relief", 70.0),
        ("percent", "relief of 120%", None),
        ("pre_post_reduction", "pain went from 8/10 to 3/10", 62.5),
        ("pre_post_reduction", "VAS 70 to 30", 57.1),
        ("pre_post_reduction", "NRS 9/10 pre-trial, 4/10 post", 55.6),
        ("pre_post_reduction", "VAS 80 -> 30 mm", 62.5),
        ("pre_post_reduction", "pain 3/10 to 5/10", 0.0),
        ("from_to_reduction", "reduced from 120 MME to 50 MME", 58.3),
        ("from_to_reduction", "MME decreased 90 -> 40", 55.6),
        ("from_to_reduction", "weaned by 50%", 50.0),
        ("from_to_reduction", "MME from 120 to 60, about a fifty percent reduction", 50.0),  # "percent" with no parsable number
        ("ashworth_drop", "Ashworth 4 to 2", 2.0),
        ("ashworth_drop", "modified Ashworth 3 -> 1+", 1.5),
        ("ashworth_drop", "tone decreased by 2 points", 2.0),
        ("age", "58 y/o", 58.0),
        ("age", "DOB: 04/12/1961", 64.0),
        ("age", "DOB 06/02/2008", 17.0),
        ("pain_score", "pain 7-8/10", 7.0),
        ("pain_score", "VAS 70/100", 7.0),
        ("pain_score", "NRS 6", 6.0),
    ],
)
def test_values_parser_reads_value(parser, text, expected):
    assert values.PARSERS[parser](text, NOTE_DATE) == expected


def test_values_age_from_birth_date_needs_note_date():
    assert values.age_years("DOB: 04/12/1961", None) is None


@pytest.mark.parametrize(
    "text,expected",
    [("DOB: 04/12/1961", date(1961, 4, 12)), ("born 2008-06-02", date(2008, 6, 2)), ("on Mar 3, 2020", date(2020, 3, 3)), ("13/45/2020", None)],
)
def test_values_parse_date(text, expected):
    assert values.parse_date(text) == expected


@pytest.mark.parametrize(
    "parser, text, value, inclusive",
    [
        ("life_expectancy", "prognosis of 6 months or less", 6.0, True),
        ("life_expectancy", "less than 3 months to live", 2.9, False),
        ("life_expectancy", "life expectancy no more than 6 months", 6.0, True),
        ("duration_months", "PT for less than 6 months", 5.9, False),
        ("duration_weeks", "baclofen for no more than 4 weeks", 4.0, True),
        ("percent", "30% or less relief", 30.0, True),
        ("percent", "less than 50% relief", 49.9, False),
        ("life_expectancy", "more than 6 months", 6.1, None),
        ("duration_months", "6 months or more of PT", 6.0, None),
    ],
)
def test_values_upper_bound_is_marked_for_the_reader(parser, text, value, inclusive):
    from screener.nlp.values import UpperBound

    found = values.PARSERS[parser](text, None)
    assert found == pytest.approx(value, abs=0.05)
    assert isinstance(found, UpperBound) == (inclusive is not None)
    if inclusive is not None:
        assert found.inclusive is inclusive


@pytest.mark.parametrize(
    "key, bound, inclusive, decided",
    [
        ("life_expectancy_months", 3, False, True),    # < 3 fails "> 3" and ">= 3"
        ("life_expectancy_months", 3, True, False),    # <= 3: 3 passes ">= 3"
        ("life_expectancy_months", 6, True, False),    # the hospice certificate: says nothing
        ("trial_pain_reduction_pct", 50, False, True),
        ("trial_pain_reduction_pct", 80, True, False),
        ("conservative_therapy_months", 6, False, True),
    ],
)
def test_values_upper_bound_kept_only_when_it_decides_every_payer_threshold(key, bound, inclusive, decided):
    from screener.criteria.thresholds import decided_below

    assert decided_below(key, bound, inclusive) is decided


@pytest.mark.parametrize("parser, text, value", [
    ("percent", "no less than 60% relief", 60.0),
    ("life_expectancy", "life expectancy no less than 3 months", 3.0),
    ("duration_months", "not less than 6 months of PT", 6.0),
])
def test_values_no_less_than_is_a_lower_bound_not_an_upper_one(parser, text, value):
    from screener.nlp.values import LowerBound

    found = values.PARSERS[parser](text, None)
    assert isinstance(found, LowerBound) and found.inclusive and found == pytest.approx(value)
