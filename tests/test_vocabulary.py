"""The packaged evidence vocabulary keeps every key of the spec (never renamed or dropped)
with the same type, the repository's copy of the spec (docs/spec/findings.yaml) is the
packaged file, and every key is something the extractor can report."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from screener.paths import package_file, repo_root
from screener.vocabulary import vocabulary

ROOT = repo_root() or Path(".")
DOCS_SPEC = ROOT / "docs" / "spec" / "findings.yaml"
# the team's shared spec, compared only where a checkout has it beside it (a user's clone has not)
SHARED_SPEC = ROOT.parent / "shared" / "spec" / "findings.yaml"
SPECS = [DOCS_SPEC] + ([SHARED_SPEC] if SHARED_SPEC.is_file() else [])


def test_vocabulary_docs_copy_is_the_packaged_file():
    assert DOCS_SPEC.read_bytes() == package_file("findings.yaml").read_bytes()


def test_vocabulary_docs_contract_matches_the_shared_one_where_present():
    shared = ROOT.parent / "shared" / "spec" / "contract.md"
    ours = ROOT / "docs" / "spec" / "contract.md"
    assert ours.is_file()
    if shared.is_file():
        assert ours.read_bytes() == shared.read_bytes()


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_vocabulary_is_a_superset_of_the_spec(spec_path):
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    ours = vocabulary()
    for group, keys in spec.items():
        for key, meta in keys.items():
            assert key in ours, key
            assert ours[key].type == meta["type"] and ours[key].group == group, key


def test_vocabulary_types_are_known():
    assert {s.type for s in vocabulary().values()} <= {"number", "bool", "enum"}
    assert vocabulary()["indication"].values == ("cancer_pain", "nonmalignant_pain", "spasticity")
