from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.text.taxonomy import Taxonomy, Theme, ThemeHit

TAXONOMY = Taxonomy(
    (
        Theme("Delivery", ("deliver*", "courier", "late parcel"), exclude=("no delivery issues",)),
        Theme("Billing", ("invoice", "billing", "credit note"), description="Money matters"),
        Theme("Cards", ("card",), exclude=("card game", "gift card")),
        Theme("Empty"),
    )
)


def themes(text: str) -> list[str]:
    return [hit.theme for hit in TAXONOMY.match([text])[0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The courier was rude", ["Delivery"]),
        ("DELIVERED two days late", ["Delivery"]),
        ("deliveries keep slipping", ["Delivery"]),
        ("a late\n  parcel again", ["Delivery"]),
        ("the parcel was late", []),
        ("Good product, no delivery issues at all", []),
        ("Invoice wrong and the courier lost it", ["Delivery", "Billing"]),
        ("invoices", []),
        ("reinvoice", []),
        ("my card was declined", ["Cards"]),
        ("card-holder details", ["Cards"]),
        ("bought a gift card for my card", []),
        ("cardboard box", []),
        ("credit-note missing", []),
        ("", []),
    ],
)
def test_rules_match_whole_words_ignoring_case(text: str, expected: list[str]) -> None:
    assert themes(text) == expected


def test_hit_reports_the_first_occurrence() -> None:
    [[hit]] = TAXONOMY.match(["Great. Then the Courier and another courier"])
    assert hit == ThemeHit("Delivery", "Courier", 16, 23)


def test_round_trips_through_dict_and_json() -> None:
    data = TAXONOMY.to_dict()
    assert data["version"] == 1
    assert data["themes"][1] == {
        "name": "Billing",
        "phrases": ["invoice", "billing", "credit note"],
        "exclude": [],
        "description": "Money matters",
    }
    assert Taxonomy.from_dict(data) == TAXONOMY
    assert Taxonomy.from_json(TAXONOMY.to_json()) == TAXONOMY
    assert json.loads(TAXONOMY.to_json()) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "mapping"),
        ({"themes": "x"}, "'themes' list"),
        ({"version": 2, "themes": []}, "version 2"),
        ({"themes": [{"phrases": ["a"]}]}, "non-empty name"),
        ({"themes": [{"name": "A", "phrases": "a"}]}, r"themes\[0\].phrases must be a list"),
        ({"themes": [{"name": "A", "colour": "red"}]}, "unknown keys"),
        ({"themes": [{"name": "A", "description": 3}]}, "description must be a string"),
        ({"themes": [{"name": "A"}, {"name": "A"}]}, "unique"),
        ({"themes": [{"name": "A", "phrases": ["de*livery"]}]}, "may only end a phrase"),
        ({"themes": [4]}, r"themes\[0\] must be a mapping"),
    ],
)
def test_bad_definitions_are_rejected_clearly(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Taxonomy.from_dict(data)  # type: ignore[arg-type]


def test_bad_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not valid"):
        Taxonomy.from_json("{")


def test_themes_need_tuples() -> None:
    with pytest.raises(ValueError, match="tuple of strings"):
        Theme("A", ["a"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tuple of Theme"):
        Taxonomy([Theme("A")])  # type: ignore[arg-type]


words = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).filter(str.strip)


@given(
    st.lists(
        st.builds(
            lambda name, phrases, exclude: {"name": name, "phrases": phrases, "exclude": exclude},
            words,
            st.lists(words, max_size=3),
            st.lists(words, max_size=2),
        ),
        max_size=5,
        unique_by=lambda t: t["name"],
    )
)
def test_any_valid_definition_round_trips(definitions: list[dict[str, object]]) -> None:
    taxonomy = Taxonomy.from_dict({"themes": definitions})
    assert Taxonomy.from_json(taxonomy.to_json()) == taxonomy
    assert len(taxonomy.match(["abc def"])) == 1
