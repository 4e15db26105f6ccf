"""The "where to look" model: per finding key, a logistic regression over TF-IDF features of
sentence-like units (word 1-2 grams and character 2-5 grams), trained on:

- the rule examples of ``rules/extraction/targets`` (each example sentence is a positive
  for the key its rule sets) and the key's meaning in findings.yaml;
- annotated notes (gold folders, ``screener.gold``): a unit overlapping an ``evidence``
  quote of key K is a positive for K; a unit of a note whose gold documents nothing of K
  is a negative for K (units of notes that document K without a quote are left out: they
  may state it).

Default training folders: the packaged sample notes and, in a checkout, every ``eval/*``
folder; ``exclude`` leaves folders out (``evaluate.py`` leaves out the folder it scores).
A reviewer's chosen spans come back through ``screener worklist export`` as ``evidence``
quotes, so a team's own exports can be added (``extra``).
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..gold import GoldCase, load_gold
from ..model import Note
from ..paths import data_dir, repo_root, rules_dir
from ..vocabulary import vocabulary
from .sentences import Unit, note_units

MAX_NEGATIVES = 4000
SEED = 13


def rule_examples() -> dict[str, list[str]]:
    """key -> the example sentences of its extraction rules."""
    out: dict[str, list[str]] = defaultdict(list)
    for path in sorted((rules_dir() / "extraction" / "targets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, spec in data.items():
            if key not in vocabulary() or not isinstance(spec, dict):
                continue
            for rule in spec.get("rules") or []:
                if isinstance(rule, dict):
                    out[key].extend(str(x) for x in rule.get("examples") or [] if x)
    return dict(out)


def training_folders(exclude: Iterable[Path | str] = (), extra: Iterable[Path | str] = ()) -> list[Path]:
    """Gold folders to train on: sample notes, the checkout's eval sets, ``extra``; minus ``exclude``."""
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    samples = data_dir("sample_notes")
    if samples is not None:
        found.append(samples)
    root = repo_root()
    if root is not None and (root / "eval").is_dir():
        found.extend(sorted(p for p in (root / "eval").iterdir() if p.is_dir() and any(p.glob("*/case.yaml"))))
    found.extend(Path(p) for p in extra)
    return [p for p in found if p.resolve() not in skip]


def _cases(folders: Sequence[Path]) -> list[GoldCase]:
    cases: list[GoldCase] = []
    for folder in folders:
        cases.extend(load_gold(folder))
    return cases


class Suggester:
    """Ranks a case's units per finding key. Build with :meth:`train`."""

    def __init__(self, vectorizers: Any, models: dict[str, Any], fallback: Any, trained_on: list[str]):
        self.vectorizers = vectorizers
        self.models = models
        self.fallback = fallback  # key -> meaning vector, for keys with no positive example
        self.trained_on = trained_on

    @classmethod
    def train(cls, folders: Sequence[Path] | None = None, *, exclude: Iterable[Path | str] = ()) -> Suggester:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        folders = list(folders) if folders is not None else training_folders(exclude)
        positives: dict[str, list[str]] = defaultdict(list)
        for key, examples in rule_examples().items():
            positives[key].extend(examples)
        for key, spec in vocabulary().items():
            positives[key].append(f"{key.replace('_', ' ')}: {spec.meaning}")
        negatives: list[tuple[str, frozenset[str]]] = []  # (unit text, keys its note may state)
        for case in _cases(folders):
            for gn in case.notes:
                spans = {k: [(gn.note.text.find(q), gn.note.text.find(q) + len(q)) for q in quotes]
                         for k, quotes in gn.evidence.items()}
                documented = frozenset(gn.findings) | frozenset(gn.evidence)
                for unit in note_units(gn.note):
                    hit = [k for k, ranges in spans.items() if any(unit.overlaps(a, b) for a, b in ranges)]
                    for k in hit:
                        positives[k].append(unit.text)
                    if not hit:
                        negatives.append((unit.text, documented))
        rng = random.Random(SEED)
        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True, min_df=1)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True, min_df=2,
                               max_features=200_000)
        corpus = [t for texts in positives.values() for t in texts] + [t for t, _ in negatives]
        word.fit(corpus)
        char.fit(corpus)
        vectorizers = (word, char)

        texts = list(dict.fromkeys(corpus))
        row = {t: i for i, t in enumerate(texts)}
        X_all = hstack([v.transform(texts) for v in vectorizers]).tocsr()  # each text vectorized once
        models: dict[str, Any] = {}
        for key in vocabulary():
            pos = list(dict.fromkeys(positives.get(key) or []))
            negs = [t for t, documented in negatives if key not in documented]
            negs += [t for other, texts_ in positives.items() if other != key for t in texts_]
            pos_set = set(pos)
            negs = list(dict.fromkeys(t for t in negs if t not in pos_set))
            if len(negs) > MAX_NEGATIVES:
                negs = rng.sample(negs, MAX_NEGATIVES)
            X = X_all[[row[t] for t in pos + negs]]
            y = [1] * len(pos) + [0] * len(negs)
            model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, solver="liblinear")
            model.fit(X, y)
            models[key] = model
        return cls(vectorizers, models, None, [str(p) for p in folders])

    def _features(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        return hstack([v.transform(texts) for v in self.vectorizers]).tocsr()

    def rank(self, notes: Iterable[Note], key: str) -> list[Unit]:
        """Every unit of ``notes`` with the model's probability that it states ``key``, best first."""
        found = [u for n in notes for u in note_units(n)]
        if not found or key not in self.models:
            return []
        scores = self.models[key].predict_proba(self._features([u.text for u in found]))[:, 1]
        ranked = sorted(range(len(found)), key=lambda i: (-scores[i], i))
        return [Unit(found[i].note_id, found[i].start, found[i].end, found[i].text, float(scores[i])) for i in ranked]

    def top(self, notes: Iterable[Note], key: str, k: int = 3) -> list[Unit]:
        """The ``k`` best units for ``key`` (distinct texts)."""
        out: list[Unit] = []
        seen: set[str] = set()
        for unit in self.rank(notes, key):
            norm = " ".join(unit.text.lower().split())
            if norm in seen:
                continue
            seen.add(norm)
            out.append(unit)
            if len(out) == k:
                break
        return out


@lru_cache(maxsize=1)
def default_suggester() -> Suggester:
    """Trained once per process on the default folders (a few seconds)."""
    return Suggester.train()
