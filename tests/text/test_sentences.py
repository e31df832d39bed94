from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.text.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("Great service", ["Great service"]),
        ("Great service. Will use again!", ["Great service.", "Will use again!"]),
        ("great service. will use again", ["great service.", "will use again"]),
        ("Why so slow?! Fix it!!!", ["Why so slow?!", "Fix it!!!"]),
        ('He said "never." Then left.', ['He said "never."', "Then left."]),
        ("Waited approx. 3 weeks. Poor.", ["Waited approx. 3 weeks.", "Poor."]),
        ("Apps e.g. the portal are slow. Ok.", ["Apps e.g. the portal are slow.", "Ok."]),
        ("Mr. Jones and Dr. Patel helped.", ["Mr. Jones and Dr. Patel helped."]),
        ("Spoke to J. Smith today.", ["Spoke to J. Smith today."]),
        ("Costs 3.50 now. Was 2.99.", ["Costs 3.50 now.", "Was 2.99."]),
        ("See www.example.com for more", ["See www.example.com for more"]),
        ("I waited... and waited. Bad", ["I waited... and waited.", "Bad"]),
        ("I waited... Then gave up", ["I waited...", "Then gave up"]),
        ("Pros:\n- fast\n- cheap\n\nCons: none", ["Pros:", "fast", "cheap", "Cons: none"]),
        ("1. Late delivery\n2) Rude staff", ["Late delivery", "Rude staff"]),
        ("Good!!! :)", ["Good!!!"]),
        ("!!!", []),
    ],
)
def test_splits_customer_comments(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@given(st.text(max_size=300))
def test_spans_are_ordered_trimmed_and_inside_the_text(text: str) -> None:
    previous_end = 0
    for start, end in split_sentences(text):
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        assert any(ch.isalnum() for ch in piece)
        previous_end = end
