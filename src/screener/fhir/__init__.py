"""FHIR R4 in and out (docs/fhir.md): the Da Vinci DTR view of a screening.

- ``documents``: DocumentReferences (a Bundle ``.json`` or NDJSON of resources) -> notes,
  and notes -> a DocumentReference Bundle (``screener fhir bundle``);
- ``questionnaire``: a payer's rule file -> a DTR-style Questionnaire
  (``screener rules questionnaire PAYER``);
- ``responses``: a case record -> a Bundle of one QuestionnaireResponse per payer, its answers
  pre-populated from the findings with their evidence, a Provenance each and the determination
  (``screener screen ... --format fhir``).

The resources are plain JSON dicts; the tests parse every one with ``fhir.resources`` (R4B).
"""
