"""The NLP layer: the only code that touches spaCy / medspaCy objects.

Data flow for one note (``NoteReader.read``):

1. ``text``: validate and sanitise (control characters become spaces; offsets never move)
2. ``sections``: section headers found on the raw text (rules/extraction/sections.yaml)
3. ``sentences``: a clinical sentence splitter on the raw text (lists, templates, forms,
   OCR wraps, quoted criteria)
4. ``reader.ocr_view`` and ``numbers.spelled_numbers_view``: a same-length view with OCR
   digit-for-letter swaps undone and dictation's spelled-out quantities as digits ("eight
   out of ten"), which the rules read (evidence always quotes the original text)
5. ``targets``: a trie-compiled trigger scan picks candidate sentences; the target rules of
   the triggered finding keys (rules/extraction/targets/*.yaml) run on those sentences,
   each only where the sentence holds the literals its regex needs (``literals``)
6. ``assertion``: the sentences that hold a target and a cue that could modify it are
   joined into small spaCy Docs and medspaCy's ConText (``context``;
   rules/extraction/context.yaml) marks each target negated,
   historical, resolved, hypothetical, future, family or uncertain; cues act within a token
   window of their own sentence, never inside the target's own words
7. ``forms``: checklist grids and dot-leader rows of templated notes and faxes answer their
   labels; a target in a label answered "absent" is negated, one in a grid row left blank
   is uncertain
8. ``values``: value parsers turn matched text into numbers (percentages, durations, ...)

The result is a list of plain ``Mention`` records; ``screener.extraction`` turns them into
findings.
"""
