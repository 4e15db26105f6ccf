"""The packaged evidence vocabulary keeps every key of the shared spec (never renamed or
dropped) with the same type, and every key is something the extractor can report."""
from __future__ import annotations

import pytest
import yaml

from screener.paths import repo_root
from screener.vocabulary import vocabulary

SPEC = (repo_root() or __import__("pathlib").Path(".")).parent / "shared" / "spec" / "findings.yaml"


@pytest.mark.skipif(not SPEC.is_file(), reason="../shared/spec/findings.yaml is not beside this checkout")
def test_vocabulary_is_a_superset_of_the_shared_spec():
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    ours = vocabulary()
    for group, keys in spec.items():
        for key, meta in keys.items():
            assert key in ours, key
            assert ours[key].type == meta["type"] and ours[key].group == group, key


def test_vocabulary_types_are_known():
    assert {s.type for s in vocabulary().values()} <= {"number", "bool", "enum"}
    assert vocabulary()["indication"].values == ("cancer_pain", "nonmalignant_pain", "spasticity")
