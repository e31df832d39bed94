from __future__ import annotations

import subprocess
import sys

from rapport.text.pipeline import enrich
from rapport.text.sentiment import fit_sentiment_model
from rapport.text.taxonomy import Taxonomy, Theme
from rapport.text.themes import ThemeAssignment, fit_theme_model

TAXONOMY = Taxonomy((Theme("Delivery", ("deliver*", "courier")), Theme("Support", ("support",))))
TEXTS = [
    "The delivery was late. Support was great though! Call Jane Smith on 07700 900123.",
    "Sehr guter Service",
    "",
]


def test_enrich_returns_everything_per_comment() -> None:
    first, german, empty = enrich(TEXTS, taxonomy=TAXONOMY, known_names=["Jane Smith"])
    assert first.language.code == "en"
    assert [s.label for s in first.sentiment.sentences] == ["neutral", "positive", "neutral"]
    assert [t.theme for t in first.themes] == ["Delivery", "Support"]
    assert all(t.source == "rule" for t in first.themes)
    assert first.redacted.text == (
        "The delivery was late. Support was great though! Call [NAME] on [PHONE]."
    )
    assert german.language.code == "de"
    assert (empty.language.code, empty.sentiment.sentences, empty.themes) == ("und", (), ())


def test_enrich_uses_trained_models() -> None:
    texts = ["courier late", "parcel lost", "parcel late", "agent rude", "agent slow", "agent late"]
    themes = fit_theme_model(texts, ["delivery"] * 3 + ["support"] * 3)
    sentiment = fit_sentiment_model(
        [*texts, "love it", "great"], ratings=[-3] * 6 + [4, 4], rating_range=(-4, 4)
    )
    [result] = enrich(
        ["the agent was rude"],
        taxonomy=Taxonomy(()),
        theme_model=themes,
        sentiment_model=sentiment,
        min_confidence=0.0,
    )
    assert result.themes[0] == ThemeAssignment("support", result.themes[0].confidence, "model")
    assert result.sentiment.label == "negative"


def test_the_package_imports_nothing_from_django() -> None:
    code = (
        "import sys, rapport.text.pipeline, rapport.text.evaluate, rapport.text.embed; "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
