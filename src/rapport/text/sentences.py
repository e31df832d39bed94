"""A sentence splitter for customer comments: terse, often lower-case, lists and line breaks."""

from __future__ import annotations

import re

# A period after one of these does not end a sentence ("approx. 3 weeks", "e.g. the app").
_ABBREVIATIONS_TEXT = """mr mrs ms mx dr prof st jr sr vs etc eg ie approx appt apt dept est inc ltd
co corp no nos nr tel ext fig ref min max misc incl excl jan feb mar apr jun jul aug sep sept oct
nov dec mon tue tues wed thu thur thurs fri sat sun hr hrs mins sec secs"""
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
# End punctuation with any closing quotes or brackets, at a space or the end; or a line break.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n")
_BULLET = re.compile(r"\s*(?:[-*•·‣–—]|\d{1,2}[.)])\s+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of text, trimmed of spaces and list bullets.

    Splits after . ! ? … (however many) followed by a space, and at every line break, since
    comments often put one point per line. Not after an abbreviation, an initial ("J. Smith"),
    an inner-dot acronym ("U.S.") or a list number ("1. Late delivery"), nor after an ellipsis
    that runs on in lower case.
    Spans with no letter or digit (a lone "!!!") are dropped.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group() != "\n" and not _ends_sentence(text, match):
            continue
        _add_span(text, start, match.end(), spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    punct = match.group().rstrip("\"'”’)]")
    if punct == ".":
        # Only the last few characters matter: no abbreviation is longer than that.
        tail = text[max(0, match.start() - 12) : match.start()].split()
        word = tail[-1].lstrip("(\"'“‘").lower() if tail else ""
        is_initial = len(word) == 1 and word.isalpha()
        is_list_number = word.isdigit() and _at_line_start(text, match.start() - len(word))
        if word in _ABBREVIATIONS or is_initial or is_list_number or "." in word:
            return False
    elif punct.startswith("..") or punct == "…":
        following = text[match.end() :].lstrip()
        if following[:1].islower():
            return False
    return True


def _at_line_start(text: str, index: int) -> bool:
    while index > 0 and text[index - 1] in " \t":
        index -= 1
    return index == 0 or text[index - 1] == "\n"


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    bullet = _BULLET.match(text, start, end)
    if bullet:
        start = bullet.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if any(ch.isalnum() for ch in text[start:end]):
        spans.append((start, end))
