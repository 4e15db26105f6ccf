"""screener.nlp.context.SentenceContext: medspaCy ConText with each cue kept to its own
sentence. The per-sentence check must give exactly what medspaCy's own whole-Doc graph
gives once modifiers from other sentences (and cues inside the target) are dropped.

One deliberate difference is put into the reference: the reader expands a regex cue's
match to whole tokens, where medspaCy's RegexMatcher snaps a match that begins on a space
to the token before it (" - NONE" after "ALLERGIES" would take in "ALLERGIES" and so
never negate it)."""
from __future__ import annotations

import bisect
import contextlib
from pathlib import Path

import pytest

from screener.evaluation.assertion_benchmark import default_negex_path, load_negex

SPAN_GROUP = "screener_targets"


@contextlib.contextmanager
def regex_cues_expanded_to_tokens(component):
    from medspacy.common.regex_matcher import RegexMatcher

    class ExpandingRegexMatcher(RegexMatcher):
        def __call__(self, doc):
            matches = []
            for match_id, patterns in self._patterns.items():
                for pattern in patterns:
                    for found in pattern.finditer(doc.text):
                        span = doc.char_span(found.start(), found.end(), alignment_mode="expand")
                        if span is not None and len(span):
                            matches.append((match_id, span.start, span.end))
            return matches

    matcher = component._ConText__matcher._MedspacyMatcher__regex_matcher
    original = matcher.__class__
    matcher.__class__ = ExpandingRegexMatcher
    try:
        yield
    finally:
        matcher.__class__ = original


def reference_categories(reader, doc, targets, sentence_starts):
    """medspaCy's ConText on the whole Doc, then the reader's rules: same sentence only,
    never a cue inside the target's own words, and a cue inside a parenthesis reaches forward
    only to its closing bracket."""
    from screener.nlp.context import _Asides

    asides = _Asides(doc)

    doc.spans[SPAN_GROUP] = [doc[s:e] for s, e in targets]
    with regex_cues_expanded_to_tokens(reader.context.component):
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
            if span.start >= mod_end and span.start >= asides.end(mod_start, mod_end, modifier.scope_span[1]):
                continue
            found.add(modifier.category.upper())
        out.append(found)
    return out


def digest(reader, sentences_and_phrases):
    """A digest Doc as the reader builds it: sentences joined by blank lines, with targets
    and the character spans of the sentences."""
    text, spans, char_spans = "", [], []
    for sentence, phrase in sentences_and_phrases:
        if text:
            text += "\n\n"
        spans.append((len(text), len(text) + len(sentence)))
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
    return doc, targets, spans


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
    doc, targets, spans = digest(reader, pairs)
    starts = [start for start, _ in spans]
    assert reader.context.categories(doc, targets, spans) == reference_categories(reader, doc, targets, starts)


def test_sentence_context_equals_medspacy_graph_on_negex_sentences(reader):
    path = default_negex_path()
    if not path.exists():
        pytest.skip(f"NegEx benchmark not found at {path}")
    rows, _ = load_negex(path)
    pairs = list(zip(rows["sentence"], rows["condition"]))
    checked = 0
    for lo in range(0, len(pairs), 12):  # digests of 12 sentences, like the reader's
        doc, targets, spans = digest(reader, pairs[lo:lo + 12])
        starts = [start for start, _ in spans]
        assert reader.context.categories(doc, targets, spans) == reference_categories(reader, doc, targets, starts)
        checked += len(targets)
    assert checked > 2000


# ----------------------------------------------------------------- could_modify
@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The trial gave 60% relief with improved walking.", False),
        ("Pain score 7/10 today.", False),
        ("No active infection.", True),                           # phrase cue "no"
        ("Infection: none.", True),                               # regex cue
        ("[x] no  Active infection", True),                       # regex cue for a checked box
        ("Opioids were tried but he cannot tolerate them.", True),  # "not" split off "cannot"
        ("Noted: trial successful.", False),                      # "no" inside a word is no cue
        ("s / p laminectomy 2019", True),                         # phrase tokens with spaces between
        ("\u2612 No  Active infection", True),                    # non-ASCII: always read
        ("And the patient tolerated the trial with minimal side effects.", False),  # terminators only
    ],
)
def test_could_modify_tells_which_sentences_need_context(reader, sentence, expected):
    assert reader.context.could_modify(sentence) is expected


def _sentence_lines(mtsamples_texts):
    """Every sentence of the bundled notes, the NegEx set and MTSamples, as the reader puts
    them in a digest."""
    from screener.nlp.reader import _flatten_whitespace
    from screener.nlp.sentences import split_sentences

    repo = Path(__file__).resolve().parents[1]
    texts = [p.read_text(encoding="utf-8") for folder in ("sample_notes", "eval")
             for p in sorted((repo / folder).rglob("*.txt"))]
    texts += mtsamples_texts
    lines = [_flatten_whitespace(text[s:e]) for text in texts for s, e in split_sentences(text)]
    lines += list(load_negex(default_negex_path())[0]["sentence"])
    return lines


def test_could_modify_never_skips_a_sentence_where_a_modifying_cue_matches(reader, mtsamples_texts):
    from screener.nlp.context import _INERT_DIRECTIONS

    context = reader.context
    strings = reader.nlp.vocab.strings
    lines = _sentence_lines(mtsamples_texts)
    skipped = 0
    for line in lines:
        if context.could_modify(line):
            continue
        skipped += 1
        doc = reader.nlp.make_doc(line)
        cues = [context._rule_map[strings[m]] for m, _, _ in context._cue_matches(doc, line, [(0, len(line))])]
        assert all(cue.direction in _INERT_DIRECTIONS for cue in cues), (line, [c.literal for c in cues])
    assert len(lines) > 5000
    assert skipped > 0.25 * len(lines)  # the check is worth its cost
