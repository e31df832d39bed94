"""Writes of health: the stored scores, each team's weights, loyalty proposals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.analytics.health.risk import risk_reasons
from rapport.analytics.health.scoring import COMPONENTS, HealthResult, Weighting, score_accounts
from rapport.analytics.loyalty.customer_types import SegmentDefinition
from rapport.analytics.models import AccountHealth, HealthWeights, LoyaltyProposal
from rapport.core.access import Actor, Capability, require, scope_of
from rapport.core.models import AuditAction, Role, Team
from rapport.core.services import create_audited, record_audit, require_member, update_audited
from rapport.customers.models import Account

BASELINE_DAYS = 28
HISTORY_MONTHS = 4
CHUNK = 500
WEIGHT_MAX = 100


def weightings(team_ids: Iterable[int]) -> dict[int, Weighting]:
    """Each team's weighting (one query); teams without a row get the defaults."""
    rows = HealthWeights.objects.filter(team_id__in=set(team_ids))
    return {
        row.team_id: Weighting(
            weights=row.weights,
            green_from=row.green_from,
            amber_from=row.amber_from,
            renewal_days=row.renewal_days,
        )
        for row in rows
    }


def _weighting_lookup(team_ids: Iterable[int]) -> Any:
    found = weightings(team_ids)
    default = Weighting(weights={})
    return lambda team_id: found.get(team_id, default)


def _store(health: HealthResult, reasons: list[Any]) -> dict[str, Any]:
    return {
        "score": None if health.score is None else round(health.score, 1),
        "band": health.band,
        "components": [
            {**c.as_dict(), "share": round(health.shares.get(c.key, 0.0), 4)}
            for c in health.components
        ],
        "risks": [r.as_dict() for r in reasons],
        "risk_count": len(reasons),
        "risk_codes": "".join(f",{code}" for code in dict.fromkeys(r.code for r in reasons))
        + ("," if reasons else ""),
    }


def refresh_health(*, account_ids: Iterable[int] | None = None, today: date | None = None) -> int:
    """Recompute and store the health of the given accounts (all when None).

    Cost: a fixed number of queries per chunk of 500 accounts. Returns the accounts written.
    """
    today = today or timezone.localdate()
    queryset = Account.objects.order_by("pk")
    if account_ids is not None:
        queryset = queryset.filter(pk__in=list(account_ids))
    ids = list(queryset.values_list("pk", flat=True))
    written = 0
    for start in range(0, len(ids), CHUNK):
        written += _refresh_chunk(ids[start : start + CHUNK], today)
    return written


def _comparison(history: list[dict[str, Any]], today: date) -> tuple[dict[str, float], date | None]:
    """The newest remembered scores at least BASELINE_DAYS old: what "falling" compares with."""
    cut = (today - timedelta(days=BASELINE_DAYS)).isoformat()
    old = [h for h in history if h["as_of"] <= cut]
    if not old:
        return {}, None
    return old[-1]["scores"], date.fromisoformat(old[-1]["as_of"])


def _remember(history: list[dict[str, Any]], health: HealthResult, today: date) -> list[Any]:
    """Keep the first scores of each month, the last HISTORY_MONTHS of them."""
    if history and history[-1]["as_of"][:7] == today.isoformat()[:7]:
        return history
    scores = {c.key: round(c.score, 1) for c in health.components if c.score is not None}
    return [*history, {"as_of": today.isoformat(), "scores": scores}][-HISTORY_MONTHS:]


@transaction.atomic
def _refresh_chunk(ids: list[int], today: date) -> int:
    accounts = list(Account.objects.filter(pk__in=ids))
    lookup = _weighting_lookup({a.team_id for a in accounts})
    stored = {h.account_id: h for h in AccountHealth.objects.filter(account_id__in=ids)}
    batch, results = score_accounts(accounts, lookup, today=today)
    rows = []
    for account in accounts:
        health = results[account.pk]
        history = stored[account.pk].baseline.get("history", []) if account.pk in stored else []
        baseline, baseline_as_of = _comparison(history, today)
        reasons = risk_reasons(
            account,
            batch,
            health,
            lookup(account.team_id),
            baseline=baseline,
            baseline_as_of=baseline_as_of,
        )
        rows.append(
            AccountHealth(
                account_id=account.pk,
                as_of=today,
                baseline={"history": _remember(history, health, today)},
                baseline_as_of=baseline_as_of,
                **_store(health, reasons),
            )
        )
    AccountHealth.objects.bulk_create(
        rows,
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["account"],
        update_fields=[
            "as_of",
            "score",
            "band",
            "components",
            "risks",
            "risk_count",
            "risk_codes",
            "baseline",
            "baseline_as_of",
        ],
    )
    return len(rows)


def ensure_health_current(*, today: date | None = None) -> int:
    """Daily: rescore every account once the stored scores are from an earlier day."""
    today = today or timezone.localdate()
    stale = AccountHealth.objects.exclude(as_of=today).exists()
    missing = Account.objects.filter(health__isnull=True).exists()
    return refresh_health(today=today) if stale or missing else 0


# --- weights --------------------------------------------------------------------------------


def may_set_weights(actor: Actor, team_id: int) -> bool:
    actor_scope = scope_of(actor)
    return actor_scope.all_teams or actor_scope.roles.get(team_id) in (Role.ADMIN, Role.MANAGER)


@transaction.atomic
def set_health_weights(
    *,
    actor: Actor,
    team: Team,
    weights: Mapping[str, int],
    green_from: int,
    amber_from: int,
    renewal_days: int,
    via: str = "web",
) -> HealthWeights:
    """Set a team's weights and bands (administrators and the team's managers), then rescore
    the team's accounts so every page agrees with the new weights."""
    if team.pk not in scope_of(actor).team_ids and not scope_of(actor).all_teams:
        from django.http import Http404

        raise Http404("No such team.")
    if not may_set_weights(actor, team.pk):
        raise PermissionDenied("Only administrators and the team's managers may set weights.")
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ValidationError({"weights": f"unknown components: {', '.join(sorted(unknown))}"})
    if any(not 0 <= int(w) <= WEIGHT_MAX for w in weights.values()):
        raise ValidationError({"weights": f"each weight must be between 0 and {WEIGHT_MAX}"})
    if not any(int(w) > 0 for w in weights.values()):
        raise ValidationError({"weights": "at least one weight must be above 0"})
    if not 0 < amber_from < green_from <= 100:
        raise ValidationError({"green_from": "bands need 0 < amber from < green from ≤ 100"})
    if not 1 <= renewal_days <= 730:
        raise ValidationError({"renewal_days": "renewal window must be 1 to 730 days"})
    row = HealthWeights.objects.filter(team=team).first()
    fields = {
        "weights": {k: int(v) for k, v in weights.items()},
        "green_from": green_from,
        "amber_from": amber_from,
        "renewal_days": renewal_days,
        "updated_by": actor if actor.is_authenticated else None,
    }
    if row is None:
        row = create_audited(
            actor=actor,
            model=HealthWeights,
            fields={"team": team, **fields},
            team_id=team.pk,
            via=via,
        )
    else:
        update_audited(actor=actor, instance=row, changes=fields, team_id=team.pk, via=via)
    refresh_health(account_ids=Account.objects.filter(team=team).values_list("pk", flat=True))
    return row


# --- loyalty proposals ----------------------------------------------------------------------

PROPOSAL_FIELDS = ("title", "description", "segment", "status", "owner")


@transaction.atomic
def create_loyalty_proposal(
    *, actor: Actor, team: Team, fields: Mapping[str, Any], via: str = "web"
) -> LoyaltyProposal:
    require(actor, Capability.EDIT_ACCOUNTS, team.pk)
    data = {k: v for k, v in fields.items() if k in PROPOSAL_FIELDS or k == "owner_id"}
    require_member(fields=data, name="owner", team_id=team.pk)
    data["segment"] = SegmentDefinition.from_dict(data.get("segment") or {}).as_dict()
    return create_audited(
        actor=actor,
        model=LoyaltyProposal,
        fields={**data, "team": team, "created_by": actor if actor.is_authenticated else None},
        team_id=team.pk,
        via=via,
    )


@transaction.atomic
def update_loyalty_proposal(
    *, actor: Actor, proposal: LoyaltyProposal, changes: Mapping[str, Any], via: str = "web"
) -> list[str]:
    require(actor, Capability.EDIT_ACCOUNTS, proposal.team_id)
    data = {k: v for k, v in changes.items() if k in PROPOSAL_FIELDS or k == "owner_id"}
    require_member(fields=data, name="owner", team_id=proposal.team_id)
    if "segment" in data:
        data["segment"] = SegmentDefinition.from_dict(data["segment"] or {}).as_dict()
    return update_audited(
        actor=actor, instance=proposal, changes=data, team_id=proposal.team_id, via=via
    )


@transaction.atomic
def delete_loyalty_proposal(*, actor: Actor, proposal: LoyaltyProposal, via: str = "web") -> None:
    require(actor, Capability.EDIT_ACCOUNTS, proposal.team_id)
    record_audit(
        actor=actor,
        action=AuditAction.DELETE,
        instance=proposal,
        team_id=proposal.team_id,
        via=via,
    )
    proposal.delete()
