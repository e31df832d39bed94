"""One compiled regex for many phrases: whole-word, case-insensitive, shared prefixes merged.

Python's re tries the alternatives of `a|b|c` one after another at every position, so
thousands of names in a flat alternation are slow; merged into a trie (`smith(?:son)?|jones`)
each position costs about one character comparison per level instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""  # the trie key that marks the end of a phrase
_SPACE = " "  # any run of white space in a phrase matches any run in the text
_WILD = "*"  # a trailing * matches the rest of the word ("deliver*" → delivery, delivered)
_Trie = dict[str, "_Trie"]


def normalise(phrase: str) -> str:
    """The phrase as matched: case-folded, white space collapsed to single spaces."""
    return " ".join(phrase.casefold().split())


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """A regex matching any phrase as whole words, ignoring case; None when there are none.

    A phrase may end with * to match any word that starts with it.
    """
    trie: _Trie = {}
    for phrase in phrases:
        key = normalise(phrase)
        if not key or key == _WILD:
            continue
        if _WILD in key[:-1]:
            raise ValueError(f"* may only end a phrase: {phrase!r}")
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[_END] = {}
    if not trie:
        return None
    return re.compile(rf"(?<!\w)(?:{_pattern(trie)})(?!\w)", re.IGNORECASE)


def _pattern(node: _Trie) -> str:
    branches = []
    for ch, child in sorted(node.items()):
        if ch == _END:
            continue
        head = r"\s+" if ch == _SPACE else r"\w*" if ch == _WILD else re.escape(ch)
        branches.append(head + _pattern(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Where a phrase ends and longer ones go on, the rest is optional: greedy, so the longer
    # phrase wins, and the regex backtracks to the shorter when the longer breaks a word.
    return f"(?:{body})?" if _END in node else body
