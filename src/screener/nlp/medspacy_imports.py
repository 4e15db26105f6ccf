"""medspaCy without QuickUMLS at import time.

medspaCy 1.3.1's ``medspacy.util`` imports QuickUMLS at module level (``from quickumls
import spacy_component``), and QuickUMLS imports NLTK: 1.7 s of every process start, for a
UMLS-mapping component the screener never adds. While medspaCy is first imported,
``without_quickumls()`` lets a stand-in module answer that import, then removes it, so a
later ``import quickumls`` in the same process gets the real package (its spaCy factory
``medspacy_quickumls`` is then registered as usual).
"""
from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator


@contextlib.contextmanager
def without_quickumls() -> Iterator[None]:
    if "medspacy" in sys.modules or "quickumls" in sys.modules:
        yield
        return
    stub = types.ModuleType("quickumls")
    stub.__doc__ = "stand-in while medspaCy is imported (screener.nlp.medspacy_imports)"
    component = types.ModuleType("quickumls.spacy_component")
    stub.spacy_component = component  # type: ignore[attr-defined]
    sys.modules["quickumls"], sys.modules["quickumls.spacy_component"] = stub, component
    try:
        yield
    finally:
        for name, module in (("quickumls", stub), ("quickumls.spacy_component", component)):
            if sys.modules.get(name) is module:
                del sys.modules[name]
