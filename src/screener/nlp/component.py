"""The extractor as a spaCy pipeline component, for users who work with ``Doc`` objects.

``nlp.add_pipe("screener_extractor")`` reads ``doc.text`` with the screener's pipeline
(sections, sentences, target rules, medspaCy ConText) and stores every mention as a span in
``doc.spans["screener_mentions"]`` with these extensions (declared here, once):

- ``Span._.screener_key``: the finding key (also the span label)
- ``Span._.screener_value``: the value the mention asserts (None when it asserts nothing)
- ``Span._.screener_rule``: the id of the target rule that matched
- ``Span._.screener_flags``: ConText's verdict (negated, historical, hypothetical, family, uncertain)
- ``Span._.screener_section``: the section the mention is in

Spans are aligned to tokens with ``alignment_mode="expand"``. (No ``from __future__ import
annotations`` here: spaCy validates factory signatures at run time.)
"""
from datetime import date
from typing import Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

SPAN_GROUP = "screener_mentions"
_SPAN_EXTENSIONS = ("screener_key", "screener_value", "screener_rule", "screener_flags", "screener_section")

for _name in _SPAN_EXTENSIONS:
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)
if not Doc.has_extension("screener_note_date"):
    Doc.set_extension("screener_note_date", default=None)


class ScreenerExtractor:
    """Sets ``doc.spans["screener_mentions"]`` (see module docstring)."""

    def __init__(self, nlp: Language, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        from .reader import default_reader

        note_date: Optional[date] = doc._.screener_note_date
        spans = []
        for m in default_reader().read(doc.text, note_date):
            span = doc.char_span(m.start, m.end, label=m.key, alignment_mode="expand")
            if span is None:
                continue
            span._.screener_key = m.key
            span._.screener_value = m.value
            span._.screener_rule = m.rule_id
            span._.screener_flags = m.flags
            span._.screener_section = m.section
            spans.append(span)
        doc.spans[SPAN_GROUP] = spans
        return doc


@Language.factory("screener_extractor")
def make_screener_extractor(nlp: Language, name: str) -> ScreenerExtractor:
    return ScreenerExtractor(nlp, name)
