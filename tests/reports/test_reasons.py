"""The likely reasons of a variance name only the channels that moved the way the metric did."""

from __future__ import annotations

from types import SimpleNamespace as NS

from rapport.reports.types.account_parts import reasons


def _analysis(*channel_rates: tuple[str, float]) -> NS:
    channels = [NS(label=label, rate=NS(shown=rate)) for label, rate in channel_rates]
    variance = NS(
        change=NS(value=-11.8), mix=NS(shown=-1.7), rate=NS(shown=-10.1), channels=channels
    )
    return NS(variances={"nps": variance}, movers=NS(moves=[]), episodes={})


def test_a_channel_at_zero_or_moving_the_other_way_is_no_reason():
    found = reasons(_analysis(("Survey", -10.1), ("Business review", 0.0), ("Call", 2.0)))
    assert found == ["NPS fell by 11.8 points, mostly within channels (−10.1), above all Survey."]


def test_without_a_channel_that_moved_the_sentence_names_none():
    found = reasons(_analysis(("Business review", 0.0)))
    assert found == ["NPS fell by 11.8 points, mostly within channels (−10.1)."]
