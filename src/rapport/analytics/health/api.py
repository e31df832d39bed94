"""/api/v1/ health: an account's health with components, portfolio health by team × tier,
risks, and loyalty proposals."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.analytics.health import selectors, services
from rapport.core.access import scope_of
from rapport.core.api import Message, call_service
from rapport.core.models import Team
from rapport.customers.selectors import get_account

router = Router(tags=["health"])


class ComponentOut(Schema):
    key: str
    label: str
    score: float | None
    weight: int
    share: float | None = Field(None, description="Share of the score after re-normalising.")
    facts: list[str]
    note: str


class ReasonOut(Schema):
    code: str
    label: str
    text: str
    data: dict[str, Any]


class ProfitOut(Schema):
    currency: str
    annual_value: float
    cost_to_serve: float
    entries_12m: float
    margin: float
    margin_pct: float | None


class AccountHealthOut(Schema):
    account: int
    score: float | None
    band: str
    green_from: int
    amber_from: int
    excluded: list[str]
    components: list[ComponentOut]
    risks: list[ReasonOut]
    profitability: ProfitOut


@router.get("/accounts/{account_id}/health", response=AccountHealthOut)
def account_health(request: HttpRequest, account_id: int) -> Any:
    """Computed now from the account's records; below the minimum n feedback is not scored."""
    account = get_account(request.user, account_id)
    view = selectors.account_health(request.user, account)
    p = view.profitability
    return {
        "account": account.pk,
        "score": None if view.health.score is None else round(view.health.score, 1),
        "band": view.health.band,
        "green_from": view.weighting.green_from,
        "amber_from": view.weighting.amber_from,
        "excluded": list(view.health.excluded),
        "components": [
            {
                **c.as_dict(),
                "weight": view.weighting.weight(c.key),
                "share": view.health.shares.get(c.key),
            }
            for c in view.health.components
        ],
        "risks": [r.as_dict() for r in view.reasons],
        "profitability": {
            "currency": p.currency,
            "annual_value": float(p.annual_value),
            "cost_to_serve": float(p.cost_to_serve),
            "entries_12m": float(p.entries_12m),
            "margin": float(p.margin),
            "margin_pct": p.margin_pct,
        },
    }


class CellOut(Schema):
    team: int
    team_name: str
    tier: str
    mean: float | None
    n: int
    band: str


class PortfolioHealthOut(Schema):
    as_of: date | None
    cells: list[CellOut]


@router.get("/portfolio/health", response=PortfolioHealthOut)
def portfolio_health(request: HttpRequest) -> Any:
    """Mean stored health by team × tier over the accounts the caller may see."""
    heat = selectors.heatmap(request.user)
    names = dict(heat.teams)
    cells = [
        {
            "team": c.team_id,
            "team_name": names.get(c.team_id, ""),
            "tier": c.tier,
            "mean": None if c.mean is None else round(c.mean, 1),
            "n": c.n,
            "band": c.band,
        }
        for c in heat.cells.values()
    ]
    return {"as_of": heat.as_of, "cells": sorted(cells, key=lambda c: (c["team_name"], c["tier"]))}


class RiskOut(Schema):
    account: int
    account_name: str
    team: int
    tier: str
    score: float | None
    band: str
    as_of: date
    risks: list[ReasonOut]


class RiskQuery(Schema):
    team: int | None = None
    tier: str = ""
    band: str = ""
    reason: str = ""
    sort: str = "risks"
    dir: Literal["asc", "desc"] = "asc"


@router.get("/risks", response={200: list[RiskOut], 422: Message})
@paginate
def risks(request: HttpRequest, query: Query[RiskQuery]) -> Any:
    try:
        filters = selectors.RiskFilters.from_query(query.dict())
    except ValueError as error:
        raise HttpError(422, str(error)) from None
    return [
        {
            "account": h.account_id,
            "account_name": h.account.name,
            "team": h.account.team_id,
            "tier": h.account.tier,
            "score": h.score,
            "band": h.band,
            "as_of": h.as_of,
            "risks": h.risks,
        }
        for h in selectors.at_risk(request.user, filters)
    ]


class ProposalOut(Schema):
    id: int
    team: int
    title: str
    description: str
    segment: dict[str, list[str]]
    status: str
    owner: int | None
    created_by: int | None
    created_at: datetime

    @staticmethod
    def resolve_team(obj: Any) -> int:
        return int(obj.team_id)

    @staticmethod
    def resolve_owner(obj: Any) -> int | None:
        return obj.owner_id

    @staticmethod
    def resolve_created_by(obj: Any) -> int | None:
        return obj.created_by_id


Status_ = Literal["draft", "proposed", "approved", "running", "declined"]


class ProposalIn(Schema):
    team: int
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    segment: dict[str, list[str]] = {}
    status: Status_ = "draft"
    owner: int | None = None


class ProposalPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    segment: dict[str, list[str]] | None = None
    status: Status_ | None = None
    owner: int | None = None


def _owner_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {("owner_id" if k == "owner" else k): v for k, v in data.items()}


@router.get("/loyalty-proposals", response=list[ProposalOut])
@paginate
def list_proposals(request: HttpRequest) -> Any:
    return selectors.proposals_for(request.user)


@router.get("/loyalty-proposals/{pk}", response=ProposalOut)
def get_proposal(request: HttpRequest, pk: int) -> Any:
    return selectors.get_proposal(request.user, pk)


@router.post("/loyalty-proposals", response={201: ProposalOut, 403: Message, 422: Message})
def create_proposal(request: HttpRequest, payload: ProposalIn) -> Any:
    actor_scope = scope_of(request.user)
    team = Team.objects.filter(pk=payload.team).first()
    if team is None or not (actor_scope.all_teams or team.pk in actor_scope.team_ids):
        raise HttpError(422, "team: no such team")
    fields = _owner_fields(payload.dict(exclude={"team"}))
    proposal = call_service(
        lambda: services.create_loyalty_proposal(
            actor=request.user, team=team, fields=fields, via="api"
        )
    )
    return Status(201, proposal)


@router.patch("/loyalty-proposals/{pk}", response={200: ProposalOut, 403: Message, 422: Message})
def update_proposal(request: HttpRequest, pk: int, payload: ProposalPatch) -> Any:
    proposal = selectors.get_proposal(request.user, pk)
    changes = _owner_fields(payload.dict(exclude_unset=True))
    call_service(
        lambda: services.update_loyalty_proposal(
            actor=request.user, proposal=proposal, changes=changes, via="api"
        )
    )
    return proposal


@router.delete("/loyalty-proposals/{pk}", response={204: None, 403: Message})
def delete_proposal(request: HttpRequest, pk: int) -> Any:
    proposal = selectors.get_proposal(request.user, pk)
    call_service(
        lambda: services.delete_loyalty_proposal(actor=request.user, proposal=proposal, via="api")
    )
    return Status(204, None)
