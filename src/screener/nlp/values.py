"""Value parsers: turn the text a target rule matched into a number.

Each parser takes the matched text and the note date and returns a float or ``None``.
They are registered by name in ``PARSERS``; target rules name their parser
(rules/extraction/targets/*.yaml, ``parser:``). Pure functions, no spaCy.

Conventions (findings.yaml): a range gives its lower bound ("60-70%" -> 60,
"6-12 months" -> 6); "more than 6 months" gives 6.1; an upper bound ("less than 3 months",
"6 months or less", "under 50%") is an ``UpperBound``: 2.9, 6, 49.9, which the reader keeps
only where the bound decides every payer threshold on the key (``criteria.thresholds``:
"less than 3 months" fails "> 3", "6 months or less" says nothing about it);
pre/post scores give the percentage reduction ("8/10 -> 3/10" = 62.5); a VAS on
0-100 is divided by 10 when a 0-10 score is wanted.
"""
from __future__ import annotations

import re
import statistics
from datetime import date
from typing import Callable

from .numbers import TENS, UNITS
from .trie import trie_pattern

WORD_NUMBERS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "single": 1, "two": 2, "couple": 2, "a couple of": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty-four": 24, "twenty four": 24,
    "thirty": 30, "thirty-six": 36, "forty": 40, "fifty": 50, "sixty": 60, "several": 3, "few": 2,
    "a few": 2, "half a": 0.5, "half": 0.5,
}
WORD_NUMBERS.update(TENS)
# dictation spells compound numbers out: "twenty eight months", "thirty-six months"
WORD_NUMBERS.update({f"{t}{sep}{u}": tv + uv for t, tv in TENS.items() for u, uv in UNITS.items() if uv
                     for sep in (" ", "-")})
_WORD_ALT = trie_pattern(WORD_NUMBERS)  # a trie: a flat alternation of ~200 words is slow to scan
NUM = rf"(?:\d+(?:\.\d+)?|{_WORD_ALT})"
UNIT_MONTHS = {"y": 12.0, "m": 1.0, "w": 12.0 / 52.0, "d": 12.0 / 365.0}

# "1.5 years", "a year and a half", "18 mos", "x 8 wks", "6-12 months", "one and a half years"
_DURATION = re.compile(
    rf"(?P<q>less than|fewer than|under|<|greater than|more than|over|>|at least|>=|≥|about|approximately|approx\.?|~|nearly|almost)?\s*"
    rf"(?P<n1>{NUM})(?P<and_half>\s+and\s+(?:a\s+)?half)?"
    rf"(?:\s*(?:-|–|to)\s*(?P<n2>{NUM}))?\+?[\s-]*"
    rf"(?P<unit>years?|yrs?|y(?=\b)|months?|mos?\.?|mo(?=\b)|m(?=\b)|weeks?|wks?|wk|w(?=\b)|days?|d(?=\b))"
    rf"(?P<half_after>\s+and\s+a\s+half)?",
    re.IGNORECASE,
)
_WEEKS_TO_MONTHS = re.compile(r"\b(?:days|weeks)\s+to\s+months\b", re.IGNORECASE)
# a comparator after the number: "6 months or less", "3 months at most"
_BOUND_AFTER = re.compile(r"\s*(?:or (?:less|fewer|under|shorter|below)|at (?:the )?most|max(?:imum)?\b)", re.IGNORECASE)
_NOT_BEFORE = re.compile(r"\b(?:no|not)\s*$", re.IGNORECASE)
_AT_MOST_BEFORE = re.compile(r"(?:no more than|not more than|at most|up to|≤|<=)\s*$", re.IGNORECASE)


class UpperBound(float):
    """A number the text gives only as an upper bound: "less than 3 months" (2.9, exclusive),
    "6 months or less" (6, inclusive). ``bound`` is the number written."""

    bound: float
    inclusive: bool

    def __new__(cls, bound: float, inclusive: bool) -> UpperBound:
        obj = super().__new__(cls, round(bound if inclusive else max(bound - 0.1, 0.0), 1))
        obj.bound, obj.inclusive = bound, inclusive
        return obj


class LowerBound(float):
    """A number the text gives only as a lower bound: "more than 3 months" (3.1, exclusive),
    "3 months or more", "at least 3 months", ">= 3 months" (3, inclusive). The reader keeps it
    only where it decides every payer threshold ("life expectancy >= 3 months" says nothing
    about LHCC's "> 3")."""

    bound: float
    inclusive: bool

    def __new__(cls, bound: float, inclusive: bool) -> LowerBound:
        obj = super().__new__(cls, round(bound if inclusive else bound + 0.1, 1))
        obj.bound, obj.inclusive = bound, inclusive
        return obj


def bound_of(value: object) -> str | None:
    """``">="``, ``">"``, ``"<="``, ``"<"`` for a bounded number, else None."""
    if isinstance(value, LowerBound):
        return ">=" if value.inclusive else ">"
    if isinstance(value, UpperBound):
        return "<=" if value.inclusive else "<"
    return None


_AT_LEAST_AFTER = re.compile(r"\s*(?:or (?:more|longer|greater|above|better)\b|\+)", re.IGNORECASE)
_AT_LEAST_BEFORE = re.compile(r"(?:at least|a minimum of|minimum of|no less than|not less than|>=|≥|=>)\s*$", re.IGNORECASE)
_ABOVE_BEFORE = re.compile(r"(?:more than|greater than|over|above|>)\s*$", re.IGNORECASE)
_ABOVE_WORDS = ("more than", "greater than", "over", ">")
_AT_LEAST_WORDS = ("at least", ">=", "≥")
_BELOW = re.compile(r"(?:less than|fewer than|under|below|<)\s*$", re.IGNORECASE)
# parsers whose number a comparator right before the matched text bounds ("up to 80% relief":
# the rule matched "80% relief"); not pain scores ("pain up to 9/10" is its peak)
BOUNDED_PARSERS = frozenset({"percent", "life_expectancy", "duration_months", "duration_weeks"})


def _compared(text: str, start: int, end: int, value: float) -> float:
    """``value``, read at ``text[start:end]``, as an ``UpperBound`` / ``LowerBound`` when a
    comparator stands right before it ("up to", "less than", "at least", "more than") or an
    upper or lower bound right after it ("or less", "or more"), else unchanged."""
    if _BOUND_AFTER.match(text, end) or _AT_MOST_BEFORE.search(text, 0, start):
        return UpperBound(value, inclusive=True)
    if _AT_LEAST_AFTER.match(text, end) or _AT_LEAST_BEFORE.search(text, 0, start):
        return LowerBound(value, inclusive=True)  # before "less than": "no less than 60%"
    if _BELOW.search(text, 0, start):
        return UpperBound(value, inclusive=False)
    above = _ABOVE_BEFORE.search(text, 0, start)
    if above and not _NOT_BEFORE.search(text, 0, above.start()):
        return LowerBound(value, inclusive=False)
    return value


def bounded_by(prefix: str, value: float) -> float:
    """``value`` as an ``UpperBound`` / ``LowerBound`` when ``prefix`` (the text right before
    the matched span) ends with a comparator, else ``value`` unchanged."""
    if isinstance(value, (UpperBound, LowerBound, bool)):
        return value
    return _compared(prefix, len(prefix), len(prefix), value)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DATE_MY = re.compile(
    r"(?P<m>\d{1,2})\s*/\s*(?P<y>(?:19|20)\d{2})\b|(?P<y2>(?:19|20)\d{2})-(?P<m2>\d{1,2})\b|"
    r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?\s+(?P<y3>(?:19|20)\d{2})\b|"
    r"(?<![/\d])(?P<y4>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTHS["sept"] = 9
_FULL_DATE = re.compile(
    r"(?P<m>\d{1,2})[/-](?P<d>\d{1,2})[/-](?P<y>(?:19|20)?\d{2})\b|(?P<y2>(?:19|20)\d{2})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})|"
    r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<d3>\d{1,2}),?\s+(?P<y3>(?:19|20)\d{2})",
    re.IGNORECASE,
)


def word_number(token: str) -> float | None:
    token = token.strip().lower()
    if not token:
        return None
    if token in WORD_NUMBERS:
        return float(WORD_NUMBERS[token])
    try:
        return float(token)
    except ValueError:
        return None


def _durations(text: str) -> list[tuple[float, str | None, float | None]]:
    """Every duration in ``text`` as (lower bound in months, qualifier, upper bound). The
    qualifier is the comparator before the number, or ``or less`` / ``at most`` for an
    upper bound written after it or as "no more than", "up to"."""
    out = []
    for m in _DURATION.finditer(text):
        n1 = word_number(m.group("n1"))
        if n1 is None:
            continue
        if m.group("n1").lower() in ("a", "an", "half", "half a") and m.group("unit").lower() in ("m", "y", "w", "d"):
            continue  # "a m" is not a duration
        if m.group("and_half") or m.group("half_after"):
            n1 += 0.5
        factor = UNIT_MONTHS[m.group("unit")[0].lower()]
        n2 = word_number(m.group("n2")) if m.group("n2") else None
        qualifier = (m.group("q") or "").lower() or None
        if _BOUND_AFTER.match(text, m.end()) or (qualifier is None and _AT_MOST_BEFORE.search(text, 0, m.start())) \
                or (qualifier in _ABOVE_WORDS and _NOT_BEFORE.search(text, 0, m.start())):
            qualifier = "or less"  # "6 months or less", "up to 6 months", "no more than 6 months"
        elif qualifier in _AT_LEAST_WORDS or _AT_LEAST_AFTER.match(text, m.end()) or "+" in m.group(0) \
                or (qualifier in (None, *_BELOW_WORDS) and _AT_LEAST_BEFORE.search(text, 0, m.end("q") if m.group("q") else m.start())):
            qualifier = "or more"  # "3 months or more", "at least 3 months", "6+ months"
        out.append((n1 * factor, qualifier, n2 * factor if n2 is not None else None))
    return out


_BELOW_WORDS = ("less than", "fewer than", "under", "<")


# a course given by its first and last day: "from 2/9/26 to about 3/9/26", "01/05/2026 - 02/20/2026"
_DATE_RANGE = re.compile(
    r"(?<![\d/])(?P<m1>\d{1,2})/(?P<d1>\d{1,2})/(?P<y1>(?:19|20)?\d{2})\s*(?:to|through|thru|until|till|-|–)\s*"
    r"(?:about\s+|around\s+|approx\.?\s*|~\s*)?(?P<m2>\d{1,2})/(?P<d2>\d{1,2})/(?P<y2>(?:19|20)?\d{2})(?![\d/])")


def _range_months(text: str) -> list[float]:
    """The length in months (of 365.25 / 12 days) of every dated range in ``text``."""
    out = []
    for m in _DATE_RANGE.finditer(text):
        try:
            first, last = (date(int(y) + (2000 if len(y) == 2 else 0), int(mo), int(d))
                           for y, mo, d in ((m["y1"], m["m1"], m["d1"]), (m["y2"], m["m2"], m["d2"])))
        except ValueError:
            continue
        days = (last - first).days
        if 0 < days <= 600 * 31:
            out.append(days / (365.25 / 12))
    return out


def _longest_months(text: str, note_date: date | None) -> tuple[float, str | None] | None:
    values = [(lo, q) for lo, q, _hi in _durations(text)] + [(months, None) for months in _range_months(text)]
    since = months_since(text, note_date)
    if since is not None:
        values.append((since, None))
    return max(values, key=lambda v: v[0]) if values else None


def _as_duration(found: tuple[float, str | None] | None, scale: float) -> float | None:
    if found is None:
        return None
    value, qualifier = round(found[0] * scale, 1), found[1]
    if qualifier in _BELOW_WORDS:
        return UpperBound(value, inclusive=False)
    if qualifier == "or less":
        return UpperBound(value, inclusive=True)
    if qualifier == "or more":
        return LowerBound(value, inclusive=True)
    if qualifier in _ABOVE_WORDS:
        return LowerBound(value, inclusive=False)
    return value


def duration_months(text: str, note_date: date | None = None) -> float | None:
    """The longest duration in the text, in months (lower bound of a range), or the months
    since a date ("since 01/2025", "since March 2025") when the note date is known; "less
    than 6 months" / "6 months or less" is an ``UpperBound``."""
    return _as_duration(_longest_months(text, note_date), 1.0)


def duration_weeks(text: str, note_date: date | None = None) -> float | None:
    """Like ``duration_months``, in weeks ("x 8 wks" = 8, "three months" = 13); from a full
    start date to the note date by days ("started 02/25/2026" in a note of 03/18/2026 = 3)."""
    return _as_duration(_longest_months(text, note_date), 52.0 / 12.0)


_START_WORD = re.compile(r"\b(?:since|began|begun|started|initiated|commenced|(?:dates?|dated|dating|goes|go|going)\s+(?:back\s+)?(?:from|to))\b",
                         re.IGNORECASE)
# after a start word, a full date: counted by days ("began 04/14/2026")
_START_FULL_DATE = re.compile(r"[^\d\n]{0,40}?(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})\b")


# a start written as a range that runs on: "04/2023 to present", "from 01/2022 - now"
_TO_PRESENT = re.compile(r"(?:\d{1,2}/(?:\d{1,2}/)?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)(?:19|20)\d{2}"
                         r"\s*(?:to|through|thru|until|-|–)\s*(?:the\s+)?(?:present|now|date|today)\b", re.IGNORECASE)


def _start_at(text: str) -> int | None:
    """Where the start date is looked for: after "since" / "began" / "started" ..., or at a
    range that runs to the present."""
    start = _START_WORD.search(text)
    if start is not None:
        return start.end()
    ongoing = _TO_PRESENT.search(text)
    return ongoing.start() if ongoing else None


def months_since(text: str, note_date: date | None) -> float | None:
    """Months between the start date after "since" / "began" / "started" (or at the start of
    "04/2023 to present") and the note date: a full date counts by days, as months of
    365.25 / 12 days ("since 12/29/2025" on 06/09/2026 is 5.3, not 6); a month and year by
    calendar months."""
    if note_date is None:
        return None
    pos = _start_at(text)
    if pos is None:
        return None
    m = _START_FULL_DATE.match(text, pos)
    if m:
        try:
            days = (note_date - date(int(m.group("y")), int(m.group("m")), int(m.group("d")))).days
        except ValueError:
            days = -1
        if 0 <= days <= 600 * 31:
            return days / (365.25 / 12)
    else:
        m = _DATE_MY.search(text, pos)
    if not m:
        return None
    if m.group("m"):
        month, year = int(m.group("m")), int(m.group("y"))
    elif m.group("y2"):
        month, year = int(m.group("m2")), int(m.group("y2"))
    elif m.group("mon"):
        month, year = _MONTHS[m.group("mon").lower()[:4] if m.group("mon").lower().startswith("sept") else m.group("mon").lower()[:3]], int(m.group("y3"))
    else:
        month, year = 6, int(m.group("y4"))  # a bare year: mid-year
    if not 1 <= month <= 12:
        return None
    months = (note_date.year - year) * 12 + (note_date.month - month)
    return float(months) if 0 <= months <= 600 else None


def life_expectancy_months(text: str, note_date: date | None = None) -> float | None:
    """Documented life expectancy in months: lower bound of a range; "more than 6 months"
    -> ``LowerBound`` 6.1, "3 months or more" -> ``LowerBound`` 3 (inclusive); "weeks to months" -> 1.0; "less than 3 months" -> ``UpperBound`` 2.9, "6 months or
    less" -> ``UpperBound`` 6 (inclusive)."""
    if _WEEKS_TO_MONTHS.search(text):
        return 1.0
    matter = re.search(r"matter of (days|weeks)", text, re.IGNORECASE)
    if matter:
        return 0.1 if matter.group(1).lower() == "days" else 0.5
    found = _durations(text)
    if not found:
        return None
    lo, qualifier, _hi = found[0]
    if qualifier in _BELOW_WORDS or qualifier == "or less":
        return UpperBound(round(lo, 1), inclusive=qualifier == "or less")
    if qualifier in _ABOVE_WORDS:
        return LowerBound(round(lo, 1), inclusive=False)
    if qualifier == "or more":
        return LowerBound(round(lo, 1), inclusive=True)
    return round(lo, 1)


def _first_numbers(text: str, count: int) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text)[:count]]


def percent(text: str, note_date: date | None = None) -> float | None:
    """The first percentage (lower bound of "60-70%"); an upper bound is an ``UpperBound``
    ("less than 50% relief" = 49.9: never the threshold it stays under; "up to 80%" = 80,
    inclusive)."""
    # a date's year is not the low end of a range ("trial 08/18/26 - 50 % reduction")
    m = re.search(r"(?<![/\d.])(\d{1,3}(?:\.\d+)?)\s*(?:%|percent|per cent)|"
                  r"(?<![/\d.])(\d{1,3}(?:\.\d+)?)\s*(?:-|–|to)\s*\d{1,3}(?:\.\d+)?\s*(?:%|percent)", text, re.IGNORECASE)
    if not m:
        return None
    value = float(m.group(1) or m.group(2))
    if not 0 <= value <= 100:
        return None
    return _compared(text, m.start(), m.end(), value)


_SCORE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:/\s*(10|100)\b|out of\s*(10|100)\b|(mm)\b)?", re.IGNORECASE)
# a time point is not a score: "peak relief at 6 h: 9 -> 2", "at 30 min", "day 3"
_TIME_AFTER = re.compile(r"\s*(?:h|hrs?|hours?|min(?:utes?)?|d|days?|wks?|weeks?)\b", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"\s*(?:%|percent\b|per cent\b)", re.IGNORECASE)  # "75% (8 -> 2)": 75 is no score
_TIME_BEFORE = re.compile(r"(?:\b(?:day|hour|hr|week|post[- ]?op(?:erative)? day|POD)\s*#?\s*)$", re.IGNORECASE)


def _scores(text: str) -> list[float]:
    """Scores on a 0-10 scale, VAS 0-100 divided by 10; time points and percentages are skipped."""
    out = []
    for m in _SCORE.finditer(text):
        if not (m.group(2) or m.group(3)) and (
            _TIME_AFTER.match(text, m.end(1)) or _TIME_BEFORE.search(text, max(0, m.start() - 24), m.start())
            or _PERCENT_AFTER.match(text, m.end(1))
        ):
            continue
        value = float(m.group(1))
        scale = m.group(2) or m.group(3)
        if scale == "100" or m.group(4) or (scale is None and 10 < value <= 100):
            value /= 10.0
        if 0 <= value <= 10:
            out.append(value)
    return out


_THRESHOLD = re.compile(r"(?:>=?|<=?|≥|≤|\b(?:greater|more|less|fewer) than|\b(?:over|above|under|below|at least)\b)\s*\d{1,2}(?:\s*/\s*10)?",
                        re.IGNORECASE)


def pain_score(text: str, note_date: date | None = None) -> float | None:
    """A 0-10 pain score ("7/10", "NRS 7", "VAS 70/100" -> 7); a range gives its lower bound ("7-8/10" -> 7),
    a change its end ("from 6 to 8/10" -> 8)."""
    # scale descriptors are not scores: "NRS-11", "(NRS 0-10)", "0-10 scale"
    text = re.sub(r"\bNRS-11\b", "NRS", text)
    text = re.sub(r"\(?[^()\d]{0,12}\b0\s*(?:-|–|to)\s*10\b[^()\d]{0,8}\)?", " ", text)
    # a threshold is not a score: "Pain score > 6  (7/10)" is 7 (a checklist's criterion, then the value)
    text = _THRESHOLD.sub(" ", text)
    scores = _scores(text)
    if not scores:
        return None
    m = re.search(r"(\bfrom\s+)?(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\s*/\s*10", text)
    if m:
        if m.group(1):  # a change, not a range: "pain increased from 6 to 8/10" is 8 now
            return float(m.group(3))
        return float(min(int(m.group(2)), int(m.group(3))))
    return scores[0]


_STATED_RESULT = re.compile(r"=\s*(\d{1,3}(?:\.\d)?)\s*%\s*$")


def pre_post_reduction(text: str, note_date: date | None = None) -> float | None:
    """Percentage reduction from a pre/post pair: "8/10 -> 3/10" = 62.5, "VAS 70 to 30" = 57.1;
    the percentage the writer states after the pair wins ("... -> 8 -> 2 = 75%")."""
    stated = _STATED_RESULT.search(text)
    if stated:
        return float(stated.group(1))
    scores = _scores(re.sub(r"\bNRS-11\b", "NRS", text))
    if len(scores) < 2 or scores[0] <= 0:
        return None
    pre, post = scores[0], scores[1]
    if post > pre:
        return 0.0
    return round((pre - post) / pre * 100.0, 1)


def from_to_reduction(text: str, note_date: date | None = None) -> float | None:
    """Percentage reduction between the first two numbers ("MME 120 -> 50" = 58.3), or an
    explicit percentage ("weaned by 50%"). Dates and parenthesised asides are skipped
    ("from 90 (10/2025) to 45" = 50)."""
    explicit = percent(text)
    if explicit is not None and ("%" in text or "percent" in text.lower()):
        return explicit
    text = re.sub(r"\([^)]*\)|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}/\d{4}", " ", text)
    numbers = [n for n in _first_numbers(text, 2)]
    if len(numbers) < 2 or numbers[0] <= 0 or numbers[1] > numbers[0]:
        return None
    return round((numbers[0] - numbers[1]) / numbers[0] * 100.0, 1)


# a time point or a dose is not a score: "at 4 h: 3 -> 3", "50 mcg", "0.5 mL"
_TIME_OR_DOSE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?\s*(?:h|hrs?|hours?|min(?:utes?)?|mcg|mg|µg|ug|ml)\b", re.IGNORECASE)
_ASHWORTH = re.compile(r"(?<![\d.])(\d(?:\.\d)?)(\+)?(?![\d.])")
_ASHWORTH_PAIR = re.compile(r"(?<![\d.])(\d)(\+)?\s*(?:/\s*4)?\s*(?:to|->|→|-->|=>|down to|decreased to|reduced to|improved to|dropped to)\s*(\d)(\+)?(?![\d.])",
                            re.IGNORECASE)
_UNCHANGED = re.compile(r"\b(?:unchanged|no change|did not change|not changed|remained|stayed|same)\b", re.IGNORECASE)


_POINTS_DROP = re.compile(r"\b(?:drop|dropped|decreased|fell|improved|reduced)\s+(?:by\s+|of\s+)?(\d(?:\.\d)?|one|two|three|four)"
                          r"[\s-]*(?:points?|pts?|grades?)\b|\b(\d(?:\.\d)?)[\s-]*(?:points?|pts?)\s+drop\b", re.IGNORECASE)


def ashworth_drop(text: str, note_date: date | None = None) -> float | None:
    """Drop on the (modified) Ashworth scale: "4 -> 2" = 2, "3 to 1+" = 1.5, "by 2 points" = 2;
    "unchanged" = 0. Time points and doses are not scores ("at 4 h: 3 -> 3" = 0, not 1).
    Several muscle groups ("R hip 3 -> 1, L knee 3 -> 3") give the median of their drops.
    A drop stated in points ("drop 2 pts") is read before any pair, which may be another
    scale's ("MAS drop 2 pts, Penn 4->1")."""
    text = _TIME_OR_DOSE.sub(" ", text)
    stated = _POINTS_DROP.search(text)
    if stated:
        return word_number(stated.group(1) or stated.group(2))
    pairs = [(float(a) + (0.5 if pa else 0.0), float(b) + (0.5 if pb else 0.0))
             for a, pa, b, pb in _ASHWORTH_PAIR.findall(text)]
    if not pairs and _UNCHANGED.search(text):
        return 0.0
    pairs = [(a, b) for a, b in pairs if a <= 5 and b <= 5]
    if len(pairs) > 1:
        return float(statistics.median(max(a - b, 0.0) for a, b in pairs))
    m = re.search(r"(?:by\s+|(?:dropped|decreased|fell|improved|reduced|drop)\s+(?:by\s+|of\s+)?|\ba\s+)?(\d(?:\.\d)?|one|two|three|four)[\s-]*(?:points?|pts?|grades?)\b", text, re.IGNORECASE)
    if m:
        return word_number(m.group(1))
    body = re.sub(r"(?i)\b(?:modified\s+)?ashworth(?:\s+scale)?(?:\s+score)?|/\s*4\b", " ", text)
    scores = [float(a) + (0.5 if plus else 0.0) for a, plus in _ASHWORTH.findall(body)]
    scores = [s for s in scores if s <= 5]
    if len(scores) < 2:
        return None
    return round(scores[0] - scores[1], 1) if scores[0] >= scores[1] else 0.0


def age_years(text: str, note_date: date | None = None) -> float | None:
    """Age in years from "58 y/o", "Age: 58", "58-year-old"; from a date of birth when the
    note date is known."""
    if re.search(r"\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|born)\b", text, re.IGNORECASE):
        born = parse_date(text)
        if born is None or note_date is None:
            return None
        years = note_date.year - born.year - ((note_date.month, note_date.day) < (born.month, born.day))
        return float(years) if 0 <= years <= 120 else None
    m = re.search(r"\d{1,3}", text)
    if not m:
        return None
    value = float(m.group(0))
    return value if 0 < value <= 110 else None


def parse_date(text: str) -> date | None:
    """The first full date in the text (MM/DD/YYYY, MM/DD/YY, YYYY-MM-DD, Month D, YYYY)."""
    for m in _FULL_DATE.finditer(text):
        try:
            if m.group("m"):
                year = int(m.group("y"))
                if year < 100:
                    year += 1900 if year > 30 else 2000
                return date(year, int(m.group("m")), int(m.group("d")))
            if m.group("y2"):
                return date(int(m.group("y2")), int(m.group("m2")), int(m.group("d2")))
            mon = m.group("mon").lower()
            return date(int(m.group("y3")), _MONTHS["sept" if mon.startswith("sept") else mon[:3]], int(m.group("d3")))
        except ValueError:
            continue
    return None


def year_recency(text: str, note_date: date | None = None) -> float | None:
    """Months between the most recent month/year or year in the text and the note date."""
    if note_date is None:
        return None
    best = None
    for m in _DATE_MY.finditer(text):
        if m.group("m"):
            month, year = int(m.group("m")), int(m.group("y"))
        elif m.group("y2"):
            month, year = int(m.group("m2")), int(m.group("y2"))
        elif m.group("mon"):
            mon = m.group("mon").lower()
            month, year = _MONTHS["sept" if mon.startswith("sept") else mon[:3]], int(m.group("y3"))
        else:
            month, year = 12, int(m.group("y4"))
        if not 1 <= month <= 12:
            continue
        months = (note_date.year - year) * 12 + (note_date.month - month)
        if months >= 0 and (best is None or months < best):
            best = months
    return float(best) if best is not None else None


def number(text: str, note_date: date | None = None) -> float | None:
    numbers = _first_numbers(text, 1)
    return numbers[0] if numbers else None


Parser = Callable[[str, "date | None"], "float | None"]

PARSERS: dict[str, Parser] = {
    "age": age_years,
    "ashworth_drop": ashworth_drop,
    "duration_months": duration_months,
    "duration_weeks": duration_weeks,
    "from_to_reduction": from_to_reduction,
    "life_expectancy": life_expectancy_months,
    "months_ago": year_recency,
    "number": number,
    "pain_score": pain_score,
    "percent": percent,
    "pre_post_reduction": pre_post_reduction,
}
