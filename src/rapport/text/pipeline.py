"""Everything the background task computes for a batch of comments, in one call."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapport.text._common import check_texts
from rapport.text.language import DEFAULT_LANGUAGES, Language, detect
from rapport.text.redact import NameMatcher, Redacted, redact
from rapport.text.sentiment import Sentiment, SentimentModel, analyse
from rapport.text.taxonomy import Taxonomy
from rapport.text.themes import ThemeAssignment, ThemeModel, assign_themes


@dataclass(frozen=True, slots=True)
class Enrichment:
    """One comment's analysis. Sentence and redaction spans index the original text."""

    language: Language
    sentiment: Sentiment
    themes: tuple[ThemeAssignment, ...]
    redacted: Redacted


def enrich(
    texts: Sequence[str],
    *,
    taxonomy: Taxonomy,
    theme_model: ThemeModel | None = None,
    sentiment_model: SentimentModel | None = None,
    known_names: NameMatcher | Iterable[str] = (),
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    min_confidence: float = 0.5,
) -> list[Enrichment]:
    """Language, sentiment (comment and sentences), themes and redacted text for each text.

    Sentiment and themes read the original text; only the stored copy is redacted.
    languages are the ones the organisation expects (see rapport.text.language); model
    themes below min_confidence are dropped.
    """
    items = check_texts(texts)
    return [
        Enrichment(*parts)
        for parts in zip(
            detect(items, languages=languages),
            analyse(items, model=sentiment_model),
            assign_themes(
                items, taxonomy=taxonomy, model=theme_model, min_confidence=min_confidence
            ),
            redact(items, names=known_names),
            strict=True,
        )
    ]
