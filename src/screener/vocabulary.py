"""The evidence vocabulary (``findings.yaml``): finding keys, their types and groups.

The packaged copy is a superset of ``shared/spec/findings.yaml``; keys are never renamed
or dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from .paths import package_file


@dataclass(frozen=True)
class FindingSpec:
    key: str
    group: str
    type: str  # "number" | "bool" | "enum"
    meaning: str
    unit: str | None = None
    values: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, FindingSpec]:
    """Every finding key mapped to its spec, in file order."""
    with open(package_file("findings.yaml"), encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    specs: dict[str, FindingSpec] = {}
    for group, keys in raw.items():
        for key, spec in keys.items():
            specs[key] = FindingSpec(
                key=key,
                group=group,
                type=spec["type"],
                meaning=spec.get("meaning", ""),
                unit=spec.get("unit"),
                values=tuple(spec.get("values", ())),
            )
    return specs


def keys_in_group(group: str) -> tuple[str, ...]:
    return tuple(k for k, s in vocabulary().items() if s.group == group)


CONTRAINDICATION_GROUP = "contraindications"
