"""Compile many literal stems into one fast regular expression.

Python's ``re`` tries the branches of an alternation one by one at every position, so an
alternation of hundreds of words scans text slowly. Shaping the alternation as a trie
(common prefixes factored out) lets the engine reject most positions on the first
character. Matching prefers the longest stem (optional tails are greedy).
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence


class Fragment(str):
    """Regex syntax inside a trie word, rendered as is (the whitespace between the tokens of
    a phrase). Always longer than one character, so never equal to a literal."""


def _render(atom: str) -> str:
    return atom if isinstance(atom, Fragment) else re.escape(atom)


def _node_pattern(node: dict) -> str:
    terminal = "" in node
    branches = []
    singles = []
    for char in sorted(k for k in node if k != ""):
        child = node[char]
        if list(child) == [""] and not isinstance(char, Fragment):
            singles.append(char)
        else:
            branches.append(_render(char) + _node_pattern(child))
    if singles:
        if len(singles) == 1:
            branches.append(re.escape(singles[0]))
        else:
            branches.append("[" + "".join(re.escape(c) for c in singles) + "]")
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if terminal:
        if len(branches) == 1 and len(body) > 1 and not body.startswith("(?:"):
            body = "(?:" + body + ")"
        body += "?"
    return body


def trie_pattern(words: Iterable[str | Sequence[str]]) -> str:
    """A regex matching any of ``words`` (longest first); empty words are ignored. A word is
    a string, or a sequence of atoms: single characters (matched literally) and
    ``Fragment`` s (regex syntax)."""
    root: dict = {}
    for word in words:
        if not word:
            continue
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(root)


def compile_stems(stems: Iterable[str], for_lowered_ascii: bool = False) -> re.Pattern:
    """Case-insensitive matcher for stems; a stem that starts with a letter must not be
    preceded by a letter (it starts a word), other stems match anywhere.

    ``for_lowered_ascii``: the same matcher for text that is ASCII and already lower-cased
    (same matches; case-sensitive matching lets the engine skip positions on the first
    character, about twice as fast)."""
    stems = sorted({s.lower() for s in stems})
    alpha = [s for s in stems if s[0].isalpha()]
    other = [s for s in stems if not s[0].isalpha()]
    parts = []
    if alpha:
        parts.append(f"(?<![a-z])(?:{trie_pattern(alpha)})")
    if other:
        parts.append(f"(?:{trie_pattern(other)})")
    return re.compile("|".join(parts), 0 if for_lowered_ascii else re.IGNORECASE)
