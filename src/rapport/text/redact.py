"""PII redaction for derived text: e-mail, phone, card, IBAN, UK bank account, known names.

Each kind is replaced by a placeholder such as [EMAIL]; the result lists the kinds and their
spans in the original text, never the values. Numbers are checked before they are redacted
(Luhn for cards, mod-97 for IBANs, shape and context for phones) so that dates, amounts and
order numbers stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rapport.text._common import check_texts
from rapport.text._phrases import compile_phrases

Kind = Literal["EMAIL", "IBAN", "CARD", "ACCOUNT", "PHONE", "NAME"]

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![\w-])", re.IGNORECASE)
_CARD = re.compile(r"(?<![\w.,-])[2-6](?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
_SORT_CODE = r"\d{2}([- ]?)\d{2}\1\d{2}"
# Sort code or account number after its keyword, or a sort code and account number together.
_ACCOUNT = re.compile(
    rf"(?:(?<=sort code)|(?<=sortcode)|(?<=sort-code))\W{{0,3}}{_SORT_CODE}(?!\d)"
    r"|(?:(?<=account)|(?<=acct)|(?<=acc)|(?<=a/c))\W{0,3}(?:n(?:umber|o\.?|um)\W{0,3})?\d{8}(?!\d)"
    rf"|(?<![\w-])\d{{2}}([- ])\d{{2}}\2\d{{2}}[\s,;/]{{1,3}}\d{{8}}(?!\d)"
    rf"|(?<![\w-])\d{{8}}[\s,;/]{{1,3}}\d{{2}}([- ])\d{{2}}\3\d{{2}}(?!\d)",
    re.IGNORECASE,
)
_ACCOUNT_VALUE = re.compile(r"\d[\d -]*\d")  # the digits of an _ACCOUNT match, not its keyword
_PHONE = re.compile(r"(?<![\w#@/+.,-])(?:\+|\()?\d(?:[ \t./()-]{1,2}\d|\d){6,16}(?![\w@])")
_DATE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")
_NOT_PHONE_BEFORE = re.compile(
    r"(?:[£$€¥]|\b(?:order|invoice|inv|ref|reference|ticket|case|po|account|acct|policy|"
    r"tracking|parcel|serial|customer|member|id)\b\W{0,3}(?:n(?:umber|o\.?|um)|#|id)?)\W{0,3}$",
    re.IGNORECASE,
)
_NOT_PHONE_AFTER = re.compile(
    r"\s*(?:[£$€¥%]|(?:eur|euros?|gbp|usd|chf|pounds?|dollars?|pence|cents?)\b)", re.IGNORECASE
)
_NANP = re.compile(r"(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
_GROUPED_MOBILE = re.compile(r"[3679]\d{2}[ -]\d{3}[ -]\d{3,4}")
_DIGIT_OR_AT = re.compile(r"[\d@]")
# Lower-case particles that belong to a surname ("van der Berg", "de la Cruz").
_PARTICLES_TEXT = "van von der den de del della di da dos das du la le ter ten zu"
_PARTICLES = frozenset(_PARTICLES_TEXT.split())


@dataclass(frozen=True, slots=True)
class Found:
    kind: Kind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    found: tuple[Found, ...]


@dataclass(frozen=True, slots=True)
class NameMatcher:
    """Known contacts' names compiled into one regex: each full name and surname."""

    pattern: re.Pattern[str] | None

    @classmethod
    def from_names(cls, names: Iterable[str]) -> NameMatcher:
        phrases: set[str] = set()
        for name in names:
            if not isinstance(name, str):
                raise ValueError(f"names must be strings, got {type(name).__name__}")
            words = name.split()
            if not words:
                continue
            phrases.add(" ".join(words))
            if len(words) > 1:
                first = len(words) - 1
                while first > 1 and words[first - 1].casefold() in _PARTICLES:
                    first -= 1
                phrases.update((" ".join(words[first:]), words[-1]))
        # One-letter "surnames" (initials) would redact every "a" and "I".
        return cls(compile_phrases(p for p in phrases if len(p) > 1))

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        if self.pattern is not None:
            for match in self.pattern.finditer(text):
                yield match.span()


def redact(texts: Sequence[str], *, names: NameMatcher | Iterable[str] = ()) -> list[Redacted]:
    """Each text with its PII replaced by [KIND] placeholders, and what was found where.

    Pass a NameMatcher to reuse one compiled over thousands of contacts across batches.
    """
    matcher = names if isinstance(names, NameMatcher) else NameMatcher.from_names(names)
    return [_redact_one(text, matcher) for text in check_texts(texts)]


def _redact_one(text: str, names: NameMatcher) -> Redacted:
    spans: list[Found] = []
    if _DIGIT_OR_AT.search(text):
        for kind, start, end in _numbers_and_emails(text):
            _claim(spans, Found(kind, start, end))
    for start, end in names.finditer(text):
        _claim(spans, Found("NAME", start, end))
    if not spans:
        return Redacted(text, ())
    spans.sort(key=lambda f: f.start)
    parts, cursor = [], 0
    for found in spans:
        parts += [text[cursor : found.start], f"[{found.kind}]"]
        cursor = found.end
    parts.append(text[cursor:])
    return Redacted("".join(parts), tuple(spans))


def _claim(spans: list[Found], new: Found) -> None:
    """Keep new unless it overlaps a span found earlier (earlier detectors take priority)."""
    if all(new.end <= f.start or new.start >= f.end for f in spans):
        spans.append(new)


def _numbers_and_emails(text: str) -> Iterator[tuple[Kind, int, int]]:
    for m in _EMAIL.finditer(text):
        yield "EMAIL", m.start(), m.end()
    for m in _IBAN.finditer(text):
        end = _iban_end(m.group())
        if end:
            yield "IBAN", m.start(), m.start() + end
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            yield "CARD", m.start(), m.end()
    for m in _ACCOUNT.finditer(text):
        value = _ACCOUNT_VALUE.search(m.group())
        if value:
            yield "ACCOUNT", m.start() + value.start(), m.start() + value.end()
    for m in _PHONE.finditer(text):
        if _is_phone(text, m):
            yield "PHONE", m.start(), m.end()


def _iban_end(candidate: str) -> int:
    """Length of the longest valid IBAN at the start of candidate (whole groups), else 0.

    The regex is greedy and may run into a following word ("... 32 thanks"), so groups are
    dropped from the end until the checksum holds.
    """
    groups = candidate.split(" ")
    for k in range(len(groups), 0, -1):
        compact = "".join(groups[:k]).upper()
        if 15 <= len(compact) <= 34 and _mod97_ok(compact):
            return len(" ".join(groups[:k]))
    return 0


def _mod97_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    if not rearranged.isalnum() or not iban[2:4].isdigit():
        return False
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_phone(text: str, m: re.Match[str]) -> bool:
    """Whether a run of digits and separators is a phone number, not a date, sum or reference.

    Accepted: international (+ or 00) with 8-15 digits; national with a trunk 0 and 9-12
    digits (most of Europe); North American (555) 123-4567 / 555-123-4567; and 9-10 digit
    mobiles grouped 3-3-3(4) starting 3, 6, 7 or 9 (Italy, Spain, Portugal). Rejected: a date, a
    currency sign or word next to it, or a reference word (order, invoice, ...) just before.
    """
    candidate = m.group()
    digits = re.sub(r"\D", "", candidate)
    if _DATE.fullmatch(candidate) or candidate.count("(") != candidate.count(")"):
        return False
    if _NOT_PHONE_BEFORE.search(text, max(0, m.start() - 30), m.start()):
        return False
    if _NOT_PHONE_AFTER.match(text, m.end()):
        return False
    if "." in candidate and any(not 2 <= len(g) <= 4 for g in re.findall(r"\d+", candidate)):
        return False  # dotted groups are 2-4 digits ("01.23.45.67.89"); else a decimal
    n = len(digits)
    if candidate.startswith("+"):
        return 8 <= n <= 15
    if digits.startswith("00"):
        return 10 <= n <= 17
    if digits.startswith("0") or candidate.startswith("(0"):
        return 9 <= n <= 12
    if _NANP.fullmatch(candidate):
        return True
    return bool(_GROUPED_MOBILE.fullmatch(candidate))
