"""screener.nlp.context.SentenceContext: medspaCy ConText with each cue kept to its own
sentence. The per-sentence check must give exactly what medspaCy's own whole-Doc graph
gives once modifiers from other sentences (and cues inside the target) are dropped."""
from __future__ import annotations

import bisect

import pytest

from screener.evaluation.assertion_benchmark import default_negex_path, load_negex

SPAN_GROUP = "screener_targets"


def reference_categories(reader, doc, targets, sentence_starts):
    """medspaCy's ConText on the whole Doc, then the reader's rules: same sentence only,
    never a cue inside the target's own words."""
    doc.spans[SPAN_GROUP] = [doc[s:e] for s, e in targets]
    reader.context.component(doc)
    out = []
    for span in doc.spans[SPAN_GROUP]:
        sentence = bisect.bisect_right(sentence_starts, span.start_char)
        found = set()
        for modifier in span._.modifiers:
            mod_start, mod_end = modifier.modifier_span
            if bisect.bisect_right(sentence_starts, doc[mod_start].idx) != sentence:
                continue
            if span.start <= mod_start and mod_end <= span.end:
                continue
            found.add(modifier.category.upper())
        out.append(found)
    return out


def digest(reader, sentences_and_phrases):
    """A digest Doc as the reader builds it: sentences joined by blank lines, with targets."""
    text, starts, char_spans = "", [], []
    for sentence, phrase in sentences_and_phrases:
        if text:
            text += "\n\n"
        starts.append(len(text))
        at = sentence.lower().find(phrase.lower())
        if at >= 0:
            char_spans.append((len(text) + at, len(text) + at + len(phrase)))
        text += sentence
    doc = reader.nlp.make_doc(text)
    targets = []
    for s, e in char_spans:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is not None and len(span):
            targets.append((span.start, span.end))
    return doc, targets, starts


@pytest.mark.parametrize(
    "pairs",
    [
        # a cue at the end of one sentence must not reach the next one
        [("The patient denies", "patient"), ("Dementia is documented.", "Dementia")],
        # same-category cues limit each other; a terminator cuts a scope
        [("No evidence of infection, but there is coagulopathy.", "coagulopathy"),
         ("If the trial works we will implant.", "trial")],
        # a cue inside the target ("non-opioid") is part of the concept
        [("Tried non-opioid analgesics without relief.", "non-opioid analgesics")],
        [("Mother had dementia.", "dementia"), ("Psych evaluation pending.", "Psych evaluation"),
         ("History of IV drug use, in remission.", "IV drug use")],
    ],
)
def test_sentence_context_equals_medspacy_graph_on_handwritten_digests(reader, pairs):
    doc, targets, starts = digest(reader, pairs)
    assert reader.context.categories(doc, targets, starts) == reference_categories(reader, doc, targets, starts)


def test_sentence_context_equals_medspacy_graph_on_negex_sentences(reader):
    path = default_negex_path()
    if not path.exists():
        pytest.skip(f"NegEx benchmark not found at {path}")
    rows, _ = load_negex(path)
    pairs = list(zip(rows["sentence"], rows["condition"]))
    checked = 0
    for lo in range(0, len(pairs), 12):  # digests of 12 sentences, like the reader's
        doc, targets, starts = digest(reader, pairs[lo:lo + 12])
        assert reader.context.categories(doc, targets, starts) == reference_categories(reader, doc, targets, starts)
        checked += len(targets)
    assert checked > 2000
