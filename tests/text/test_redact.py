from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.text.redact import Found, NameMatcher, Redacted, redact


def one(text: str, names: tuple[str, ...] = ()) -> str:
    return redact([text], names=names)[0].text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail jane.doe+rapport@example.co.uk now", "Mail [EMAIL] now"),
        ("a_b@sub.domain.org.", "[EMAIL]."),
        ("Call +44 20 7946 0958.", "Call [PHONE]."),
        ("Call +44 (0)20 7946 0958", "Call [PHONE]"),
        ("Call 0044 20 7946 0958", "Call [PHONE]"),
        ("+33 1 23 45 67 89 or +49 30 1234567", "[PHONE] or [PHONE]"),
        ("mobile 07700 900123", "mobile [PHONE]"),
        ("office (020) 7946 0958", "office [PHONE]"),
        ("FR 01 23 45 67 89 / 01.23.45.67.89", "FR [PHONE] / [PHONE]"),
        ("DE 030/1234567 or 0301234567", "DE [PHONE] or [PHONE]"),
        ("NL 020-1234567", "NL [PHONE]"),
        ("US (555) 123-4567 or 555-123-4567 or 555.123.4567", "US [PHONE] or [PHONE] or [PHONE]"),
        ("ES 612 345 678, IT 347 123 4567", "ES [PHONE], IT [PHONE]"),
        ("Card 4111 1111 1111 1111 expired", "Card [CARD] expired"),
        ("card 4111-1111-1111-1111, amex 378282246310005", "card [CARD], amex [CARD]"),
        ("IBAN GB82 WEST 1234 5698 7654 32 thanks", "IBAN [IBAN] thanks"),
        ("iban de89370400440532013000.", "iban [IBAN]."),
        (
            "sort code 12-34-56 and account number 12345678",
            "sort code [ACCOUNT] and account number [ACCOUNT]",
        ),
        ("paid into 12-34-56 87654321 today", "paid into [ACCOUNT] today"),
        ("acc no. 12345678", "acc no. [ACCOUNT]"),
    ],
)
def test_redacts_each_kind(text: str, expected: str) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order 0123456789 placed on 12/03/2024",
        "order number 01234567890 and invoice INV-2024-000123",
        "ref 00123456, ticket #123456789, case 0987654321",
        "Paid £1,234.56 then 1 234 567 EUR, € 0123 456 789 in total",
        "We paid 01234 56789 euros",
        "Dates: 2024-01-15, 15.01.2024, 01/02/2024, 01-02-2024",
        "Open 09.30-10.15 and 10:30-12:00",
        "pi is 3.14159265, ratio 0.123456789, version 10.2.3, IP 192.168.0.1",
        "score 9/10, 100%, 2,500,000 users, NPS 45, 12345678",
        "Card 4111 1111 1111 1112 fails Luhn",
        "IBAN GB82 WEST 1234 5698 7654 33 fails mod-97",
        "Meeting 12-03-24 went well",
        "612345678 is a plain number",
    ],
)
def test_leaves_dates_amounts_and_references_alone(text: str) -> None:
    assert one(text) == text


def test_names_full_and_surname_case_insensitive_whole_word() -> None:
    names = ("Jane Smith", "Anna van der Berg", "Émile Zola", "X")
    text = "JANE SMITH and Ms smith met Anna van der Berg, Mr Van der Berg, Berg and ZOLA; smithson"
    assert one(text, names) == (
        "[NAME] and Ms [NAME] met [NAME], Mr [NAME], [NAME] and [NAME]; smithson"
    )
    assert one("Jane called", names) == "Jane called"  # first names alone are kept
    assert one("x marks it", names) == "x marks it"  # one-letter names would redact too much


def test_reports_kinds_and_spans_never_values() -> None:
    text = "Jane Smith <jane@example.com>, tel +44 20 7946 0958"
    [result] = redact([text], names=["Jane Smith"])
    assert result == Redacted(
        "[NAME] <[EMAIL]>, tel [PHONE]",
        (Found("NAME", 0, 10), Found("EMAIL", 12, 28), Found("PHONE", 35, 51)),
    )
    assert text[12:28] == "jane@example.com"


def test_email_wins_over_a_name_inside_it() -> None:
    assert one("write to smith@example.com", ("John Smith",)) == "write to [EMAIL]"


def test_a_compiled_matcher_is_reused_for_thousands_of_names(monkeypatch) -> None:
    """A matcher built once serves every batch: redact() never compiles the names again."""
    names = [f"Person{i} Family{i}" for i in range(5000)]
    matcher = NameMatcher.from_names(names)

    def compile_again(*args: object, **kwargs: object) -> NameMatcher:
        raise AssertionError("the names were compiled again")

    monkeypatch.setattr(NameMatcher, "from_names", compile_again)
    texts = ["Spoke with person4321 FAMILY4321 and family17 about nothing"] * 1000
    results = redact(texts, names=matcher)
    assert results[0].text == "Spoke with [NAME] and [NAME] about nothing"
    assert len(results) == 1000


def test_input_is_checked() -> None:
    with pytest.raises(ValueError, match="names must be strings"):
        redact(["x"], names=[None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="single string"):
        redact("text")


def luhn_complete(prefix: str) -> str:
    for check in "0123456789":
        digits = prefix + check
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
            for i, d in enumerate(int(c) for c in reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


@given(
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,5})?@[a-z]{2,10}\.(com|org|co\.uk)", fullmatch=True),
    st.from_regex(r"4[0-9]{14}", fullmatch=True).map(luhn_complete),
    st.sampled_from(["", "Thanks! ", "Re: order 1234. "]),
)
def test_generated_emails_and_cards_never_survive(email: str, card: str, prefix: str) -> None:
    spaced = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    out = one(f"{prefix}mail {email} card {spaced} or {card}.")
    assert email not in out
    assert card not in out
    assert spaced not in out
    assert out.count("[CARD]") == 2
    assert "[EMAIL]" in out
