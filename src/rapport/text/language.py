"""Language of short comments, offline, with py3langid (a naive Bayes model over byte n-grams).

On a two-word comment the full 97-language model spreads its belief thin ("Sehr guter
Service": German at 0.56), while the same model restricted to the languages an organisation
expects is sure (0.95). So each text is first scored by the full model, which wins only when
it is very confident (a Polish comment stays Polish), and otherwise by the restricted one;
below min_confidence the answer is "und" (undetermined).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapport.text._common import check_texts

UNDETERMINED = "und"
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es", "it", "nl", "pt")
FULL_MODEL_CONFIDENCE = 0.9
MIN_LETTERS = 3  # "ok", "10/10" and emoji carry no language


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    confidence: float


@functools.cache
def _identifier(languages: tuple[str, ...] | None) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages is not None:
        identifier.set_languages(list(languages))
    return identifier


def detect(
    texts: Sequence[str],
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    min_confidence: float = 0.5,
) -> list[Language]:
    """ISO 639-1 code and confidence (0..1) for each text, "und" when unsure."""
    items = check_texts(texts)
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be within 0..1, got {min_confidence}")
    expected = tuple(sorted(set(languages)))
    if not expected:
        raise ValueError("languages must name at least one language")
    full = _identifier(None)
    unknown = sorted(set(expected) - set(full.labels))
    if unknown:
        raise ValueError(f"unknown language codes {unknown}")
    restricted = _identifier(expected)
    results = []
    for text in items:
        if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
            results.append(Language(UNDETERMINED, 0.0))
            continue
        code, confidence = full.classify(text)
        if confidence < FULL_MODEL_CONFIDENCE:
            code, confidence = restricted.classify(text)
        if confidence < min_confidence:
            code = UNDETERMINED
        results.append(Language(code, round(float(confidence), 4)))
    return results
