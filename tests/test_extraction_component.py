"""The spaCy component view of the extractor and the medspaCy rule export."""
from __future__ import annotations

import spacy

import screener.nlp.component  # noqa: F401  (registers the factory)
from screener.nlp.component import SPAN_GROUP
from screener.nlp.rules import default_rules, medspacy_target_rules


def test_component_sets_mention_spans_with_extensions():
    nlp = spacy.blank("en")
    nlp.add_pipe("screener_extractor")
    doc = nlp("He denies dementia. Mother had dementia. Pain score: 7/10.")
    denied = [s for s in doc.spans[SPAN_GROUP] if s._.screener_key == "dementia" and s._.screener_flags["negated"]]
    assert denied and denied[0]._.screener_value is False and denied[0]._.screener_rule == "dementia.term"
    assert any(s._.screener_flags["family"] and s._.screener_value is None for s in doc.spans[SPAN_GROUP])
    assert any(s._.screener_key == "pain_score_nrs" and s._.screener_value == 7.0 for s in doc.spans[SPAN_GROUP])


def test_component_medspacy_target_rules_cover_every_rule():
    rules = medspacy_target_rules()
    assert len(rules) == len(default_rules().targets)
    assert {r.category for r in rules} == {r.key for r in default_rules().targets}


def test_building_the_reader_does_not_import_quickumls_and_a_later_import_gets_the_real_one():
    """medspaCy imports QuickUMLS (and NLTK: 1.7 s of every start) for a component the
    screener never adds (screener.nlp.medspacy_imports)."""
    import subprocess
    import sys

    code = ("import sys; from screener.nlp.reader import default_reader; default_reader(); "
            "print('nltk' in sys.modules, 'quickumls' in sys.modules); "
            "import quickumls.spacy_component as c; print(hasattr(c, '__file__'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]
