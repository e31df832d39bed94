from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from rapport.text._phrases import compile_phrases, normalise


def naive(phrases: list[str]) -> re.Pattern[str] | None:
    """The obvious flat alternation, longest first, to compare the trie with."""
    keys = sorted({normalise(p) for p in phrases if normalise(p)}, key=len, reverse=True)
    if not keys:
        return None
    body = "|".join(r"\s+".join(re.escape(w) for w in k.split(" ")) for k in keys)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


letters = st.text(alphabet="abAB ", min_size=1, max_size=8)


@given(st.lists(letters, max_size=8), st.text(alphabet="abAB .,", max_size=40))
def test_trie_finds_what_a_flat_alternation_finds(phrases: list[str], text: str) -> None:
    trie, flat = compile_phrases(phrases), naive(phrases)
    if flat is None:
        assert trie is None
        return
    assert trie is not None
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)]


def test_wildcard_matches_the_rest_of_a_word() -> None:
    pattern = compile_phrases(["refund*", "late delivery"])
    assert pattern is not None
    found = [m.group() for m in pattern.finditer("Refunded? refund. LATE  delivery; prefund")]
    assert found == ["Refunded", "refund", "LATE  delivery"]


def test_no_phrases_compile_to_none() -> None:
    assert compile_phrases(["", "  ", "*"]) is None


def test_thousands_of_names_compile_to_one_fast_pattern() -> None:
    names = [f"Name{i:05d} Surname{i:05d}" for i in range(5000)]
    pattern = compile_phrases(names)
    assert pattern is not None
    match = pattern.search("met name04321  SURNAME04321 today")
    assert match is not None
    assert match.group() == "name04321  SURNAME04321"
