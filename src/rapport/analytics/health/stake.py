"""How much is at stake on an account: its annual value × a risk weight.

The risk weight is a probability-like share of the value that could be lost (decision 55).
The health band sets its range; the reasons move the account within that range, never out of
it, so a green account never outweighs an amber one of similar value however many minor reasons
it collects. A manual "at risk" status counts as at least amber.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from rapport.analytics.models import AccountHealth
from rapport.customers.models import AccountStatus


class BandRisk(NamedTuple):
    floor: float  # weight of an account in this band with no reason
    span: float  # added when every reason applies


BAND_RISK = {
    "red": BandRisk(0.50, 0.30),
    "amber": BandRisk(0.25, 0.20),
    "": BandRisk(0.10, 0.15),  # not scored for want of data: unknown, so between the bands
    "green": BandRisk(0.03, 0.07),
}
# Each reason's share of its band's span; they add up to 1.
SEVERITY = {
    "critical_decision_maker": 0.35,
    "broken_commitments": 0.25,
    "falling_component": 0.20,
    "renewal_soon": 0.10,
    "decision_maker_silent": 0.10,
}
# Accounts that need attention: an amber or red band, or marked at risk by hand.
ATTENTION = Q(band__in=("amber", "red")) | Q(account__status=AccountStatus.AT_RISK)
ATTENTION_LIMIT = 10


def _by_band(part: str) -> Case:
    marked = Q(account__status=AccountStatus.AT_RISK)
    amber = getattr(BAND_RISK["amber"], part)
    return Case(
        When(band="red", then=Value(getattr(BAND_RISK["red"], part))),
        When(Q(band="amber") | marked, then=Value(amber)),
        When(band="green", then=Value(getattr(BAND_RISK["green"], part))),
        default=Value(getattr(BAND_RISK[""], part)),
        output_field=FloatField(),
    )


def risk_weight_expression() -> Combinable:
    """The risk weight of an AccountHealth row, for annotating and ordering in SQL."""
    severity: Combinable = Value(0.0, output_field=FloatField())
    for code, share in SEVERITY.items():
        severity = severity + Case(
            When(risk_codes__contains=f",{code},", then=Value(share)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    return _by_band("floor") + _by_band("span") * severity


def stake_expression() -> Combinable:
    """Annual value × risk weight; needs the `risk_weight` annotation on the same query."""
    return Cast(F("account__annual_value"), FloatField()) * F("risk_weight")


def _short(reason: Mapping[str, Any]) -> str:
    # The broken-commitments text lists the commitments after a colon; the count says enough.
    text = str(reason["text"])
    return text.split(": ", 1)[0] if reason["code"] == "broken_commitments" else text


def one_line(
    risks: Sequence[Mapping[str, Any]], band: str, score: float | None, *, marked_at_risk: bool
) -> str:
    """Why the account is on the list, in one line: its main reason with its figure."""
    if risks:
        main = max(risks, key=lambda r: SEVERITY.get(r["code"], 0.0))  # first of equals
        more = len(risks) - 1
        return _short(main) + (f" (+{more} more)" if more else "")
    if band in ("amber", "red") and score is not None:
        return f"Health {score:.0f}, in the {band} band"
    if marked_at_risk:
        return "Marked at risk by the team; no reason found in the data"
    return "No reason recorded"


def why(health: AccountHealth) -> str:
    """`one_line` of a stored health row (its account fetched with it)."""
    marked = health.account.status == AccountStatus.AT_RISK
    return one_line(health.risks, health.band, health.score, marked_at_risk=marked)
