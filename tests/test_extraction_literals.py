"""screener.nlp.literals: the literal pre-check must never skip a sentence a rule matches."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from screener.nlp.literals import could_match, first_char_guard, required_literals
from screener.nlp.rules import default_rules

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "pattern, flags, expected",
    [
        (r"intrathecal", re.I, [{"intrathecal"}]),
        (r"\bpump\b", 0, [{"pump"}]),
        # re's parser factors the common "t" out of the branches: weaker, still sound
        (r"(?:trial|test)\s+dose", re.I, [{"dose"}, {"rial", "est"}]),
        (r"intra[- ]?thecal", re.I, [{"thecal"}, {"intra"}]),  # the longer literal first
        (r"(?:a|)pump", 0, [{"pump"}]),                   # an empty branch requires nothing
        (r"(?:pump)?trial", 0, [{"trial"}]),              # an optional group requires nothing
        (r"(?:pump){2,}", 0, [{"pump"}]),                 # a repeat of at least one does
        (r"(?<=pump )trial", 0, [{"trial"}]),             # look-behind may see outside the sentence
        (r"(?=pump)\w+", 0, []),                          # look-ahead consumes nothing
        (r"\d+%", 0, [{"%"}]),
        (r"caf\u00e9 visit", 0, [{" visit"}, {"caf"}]),   # a non-ASCII letter ends a literal
        (r"(?-i:PT) visit", re.I, [{" visit"}, {"pt"}]),  # lower-cased, also for case-sensitive parts
        (r"[a-z]+", 0, []),
    ],
)
def test_required_literals_of_patterns(pattern, flags, expected):
    assert [set(s) for s in required_literals(re.compile(pattern, flags))] == expected


@pytest.mark.parametrize(
    "required, text, expected",
    [
        ((), "anything", True),
        ((frozenset({"pump"}),), "the pump works", True),
        ((frozenset({"pump"}),), "the trial works", False),
        ((frozenset({"pump"}), frozenset({"trial", "test"})), "pump test", True),
        ((frozenset({"pump"}), frozenset({"trial", "test"})), "pump only", False),
    ],
)
def test_could_match(required, text, expected):
    assert could_match(required, text) is expected


def _texts():
    rules = default_rules().targets
    texts = [t for r in rules for t in (*r.examples, *r.counter_examples)]
    for folder in ("sample_notes", "eval"):
        texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / folder).rglob("*.txt"))]
    return texts


def test_every_match_of_every_rule_contains_its_required_literals():
    """Soundness on every rule example and every bundled note: whatever a rule matches
    holds a literal of each of its required sets."""
    checked = 0
    for text in _texts():
        for rule in default_rules().targets:
            for m in rule.regex.finditer(text):
                if m.group(0).isascii():
                    assert could_match(rule.required, m.group(0).lower()), (rule.id, rule.required)
                    checked += 1
    assert checked > 1000


def test_most_rules_have_a_pre_check():
    rules = default_rules().targets
    assert sum(1 for r in rules if r.required) >= 0.9 * len(rules)


@pytest.mark.parametrize(
    "pattern, flags, guarded_class",
    [
        (r"\bpump\b", re.I, "p"),
        (r"(?:trial|test|bolus)\s+dose", re.I, "bt"),
        (r"\d+\s*%", 0, r"\d"),
        (r"(?:about\s+)?\d+ months", re.I, r"\da"),      # an optional start: the next element may come first
        (r"[A-Z][a-z]+", 0, "A-Z"),
        (r"(?<=pump )trial", 0, "t"),                      # look-behind consumes nothing
        (r"[^a]bc", 0, None),                              # a negated class: anything may come first
        (r".pump", 0, None),
        (r"(?:x)?", 0, None),                              # can match the empty string
    ],
)
def test_first_char_guard_looks_ahead_for_the_first_characters(pattern, flags, guarded_class):
    guarded = first_char_guard(re.compile(pattern, flags))
    if guarded_class is None:
        assert guarded.pattern == pattern
    else:
        assert guarded.pattern == f"(?=[{guarded_class}])(?:{pattern})" and guarded.flags == re.compile(pattern, flags).flags


def _unguarded(regex):
    match = re.fullmatch(r"\(\?=\[(?:\\.|[^\]\\])*\]\)\(\?:(.*)\)", regex.pattern, re.S)
    return re.compile(match.group(1), regex.flags) if match else regex


def test_first_char_guard_keeps_every_match_and_group():
    """On every rule example and every bundled note, each rule's guarded regex finds the
    same matches with the same groups as the rule's own pattern."""
    checked = 0
    rules = default_rules().targets
    for text in _texts():
        for rule in rules:
            plain = _unguarded(rule.regex)
            got = [(m.span(), m.groups()) for m in rule.regex.finditer(text)]
            assert got == [(m.span(), m.groups()) for m in plain.finditer(text)], rule.id
            checked += len(got)
    assert checked > 1000
    assert sum(1 for r in rules if r.regex.pattern.startswith("(?=[")) >= 0.9 * len(rules)
