"""The NLP layer: the only code that touches spaCy / medspaCy objects.

Data flow for one note (``NoteReader.read``):

1. ``text``: validate and sanitise (control characters become spaces; offsets never move)
2. ``sections``: section headers found on the raw text (rules/extraction/sections.yaml)
3. ``sentences``: a clinical sentence splitter on the raw text (lists, templates, OCR wraps)
4. ``targets``: target rules (rules/extraction/targets/*.yaml) matched on the raw text
5. ``assertion``: the sentences that hold a target are joined into one small spaCy Doc
   and medspaCy's ConText (rules/extraction/context.yaml) marks each target negated,
   historical, resolved, hypothetical, family or uncertain
6. ``values``: value parsers turn matched text into numbers (percentages, durations, ...)

The result is a list of plain ``Mention`` records; ``screener.extraction`` turns them into
findings.
"""
