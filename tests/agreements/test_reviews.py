"""Expectation reviews: outcomes over time, reasons, alternatives and the customer's choice,
the review schedule and the contract's unmet_expectations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rapport.agreements import selectors, services
from rapport.agreements.models import Alternative, ExpectationReview
from rapport.core.models import AuditEvent, Role
from rapport.customers.models import Account, Expectation
from tests.factories import MembershipFactory, UserFactory

TODAY = timezone.localdate


def _events(model: str) -> int:
    return AuditEvent.objects.filter(object_type=f"agreements.{model}").count()


def test_a_not_met_review_keeps_reasons_alternatives_and_the_choice(world, north):
    review = services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={
            "outcome": "not_met",
            "evidence": "Only 61 % of March orders arrived within 24 hours.",
            "reviewed_on": TODAY() - dt.timedelta(days=3),
            "reasons_given": "The carrier dropped the Sunday run.",
        },
        alternatives=[
            {
                "description": "Next-day delivery by our partner Swift Couriers",
                "provider": "outside",
                "provider_name": "Swift Couriers",
                "cost_to_us": Decimal("1200.00"),
                "cost_to_us_note": "per month",
                "benefit_to_customer": Decimal("5000.00"),
                "benefit_to_customer_note": "fewer stock-outs",
            },
            {"description": "48-hour delivery with a 5 % discount", "provider": "inside"},
        ],
    )
    stored = ExpectationReview.objects.get(pk=review.pk)
    assert (stored.outcome, stored.is_latest, stored.reviewed_by) == ("not_met", True, world.user)
    assert stored.account_id == north.account.pk
    partner, discount = Alternative.objects.filter(review=stored).order_by("pk")
    assert partner.provider == "outside"
    assert partner.provider_name == "Swift Couriers"
    assert (partner.cost_to_us, partner.currency) == (Decimal("1200.00"), north.account.currency)
    assert partner.benefit_to_customer_note == "fewer stock-outs"
    assert discount.cost_to_us is None
    assert _events("expectationreview") == 1
    assert _events("alternative") == 2

    services.choose_alternative(
        actor=world.user, alternative=partner, agreed_outcome="Swift Couriers from 1 April"
    )
    services.choose_alternative(actor=world.user, alternative=discount)
    chosen = Alternative.objects.filter(review=stored, chosen=True)
    assert list(chosen) == [discount]  # one choice per review: the later one
    stored.refresh_from_db()
    assert stored.agreed_outcome == "Swift Couriers from 1 April"


def test_latest_review_decides_unmet(world, north):
    accounts = Account.objects.all()
    first = services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={
            "outcome": "partly_met",
            "evidence": "80 % on time",
            "reasons_given": "Peak season",
            "reviewed_on": TODAY() - dt.timedelta(days=40),
        },
    )
    assert list(selectors.unmet_expectations(accounts=accounts)) == [first]
    met = services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={"outcome": "met", "evidence": "98 % on time", "reviewed_on": TODAY()},
    )
    assert list(selectors.unmet_expectations(accounts=accounts)) == []
    # A review entered later but dated earlier does not become the latest.
    services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={
            "outcome": "not_met",
            "evidence": "late entry",
            "reasons_given": "x",
            "reviewed_on": TODAY() - dt.timedelta(days=60),
        },
    )
    assert ExpectationReview.objects.get(is_latest=True) == met
    # Deleting the latest makes the one before it the latest again.
    services.delete_review(actor=world.user, review=met)
    assert list(selectors.unmet_expectations(accounts=accounts)) == [first]
    # Another team's accounts: nothing.
    assert not selectors.unmet_expectations(accounts=Account.objects.filter(team=world.other_team))


def test_unmet_needs_reasons_and_a_met_review_no_alternatives(world, north):
    with pytest.raises(ValidationError) as missing:
        services.record_review(
            actor=world.user,
            expectation=north.expectation,
            fields={"outcome": "not_met", "evidence": "late"},
        )
    assert "reasons_given" in missing.value.message_dict
    with pytest.raises(ValidationError) as future:
        services.record_review(
            actor=world.user,
            expectation=north.expectation,
            fields={
                "outcome": "met",
                "evidence": "fine",
                "reviewed_on": TODAY() + dt.timedelta(days=1),
            },
        )
    assert "reviewed_on" in future.value.message_dict
    met = services.record_review(
        actor=world.user, expectation=north.expectation, fields={"outcome": "met", "evidence": "ok"}
    )
    with pytest.raises(ValidationError) as offered:
        services.add_alternative(actor=world.user, review=met, fields={"description": "x"})
    assert "review" in offered.value.message_dict
    assert not ExpectationReview.objects.exclude(pk=met.pk).exists()


def test_read_only_roles_and_other_teams_cannot_review(world, north):
    agent = UserFactory(username="agent")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    for actor in (agent, world.other_user):
        with pytest.raises(PermissionDenied):
            services.record_review(
                actor=actor,
                expectation=north.expectation,
                fields={"outcome": "met", "evidence": "ok"},
            )
    assert not ExpectationReview.objects.exists()
    assert _events("expectationreview") == 0


def test_review_schedule_lists_the_unreviewed_and_the_stale(world, north):
    fresh = Expectation.objects.create(account=north.account, description="Fresh", source="survey")
    stale = Expectation.objects.create(account=north.account, description="Stale", source="survey")
    services.record_review(
        actor=world.user, expectation=fresh, fields={"outcome": "met", "evidence": "ok"}
    )
    services.record_review(
        actor=world.user,
        expectation=stale,
        fields={"outcome": "met", "evidence": "ok", "reviewed_on": TODAY() - dt.timedelta(days=91)},
    )
    due = list(selectors.review_schedule(world.user, days=90))
    assert due == [north.expectation, stale]  # never reviewed first, then the longest ago
    assert due[1].last_reviewed_on == TODAY() - dt.timedelta(days=91)
    assert list(selectors.review_schedule(world.user, days=100)) == [north.expectation]
    assert list(selectors.review_schedule(world.other_user, days=1)) == []


def test_api_reviews_round_trip(api_client, world, north):
    answer = api_client.post(
        f"/api/v1/expectations/{north.expectation.pk}/reviews",
        {
            "outcome": "partly_met",
            "evidence": "Two late weeks",
            "reasons_given": "Carrier strike",
            "alternatives": [{"description": "Rail freight", "cost_to_customer": "300.50"}],
        },
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["outcome"] == "partly_met"
    assert body["is_latest"] is True
    assert body["alternatives"][0]["cost_to_customer"] == "300.50"
    missing = api_client.post(
        f"/api/v1/expectations/{north.expectation.pk}/reviews",
        {"outcome": "not_met", "evidence": "late"},
        content_type="application/json",
    )
    assert missing.status_code == 422
    assert "reasons_given" in missing.json()["detail"]
    alternative_id = body["alternatives"][0]["id"]
    chose = api_client.post(
        f"/api/v1/alternatives/{alternative_id}/choose",
        {"agreed_outcome": "Rail from May"},
        content_type="application/json",
    )
    assert chose.status_code == 200
    assert chose.json()["chosen"] is True
    unmet = api_client.get("/api/v1/expectation-reviews/unmet").json()
    assert [r["id"] for r in unmet["items"]] == [body["id"]]
    assert unmet["items"][0]["agreed_outcome"] == "Rail from May"
    due = api_client.get("/api/v1/expectation-reviews/due", {"days": 1}).json()
    assert due["count"] == 0
    other = api_client.get(f"/api/v1/expectation-reviews/{body['id']}")
    assert other.status_code == 200


def test_pages_show_history_and_team_list(user_client, world, north, django_assert_max_num_queries):
    services.record_review(
        actor=world.user,
        expectation=north.expectation,
        fields={"outcome": "not_met", "evidence": "Late in March", "reasons_given": "Strike"},
        alternatives=[{"description": "Partner courier", "provider": "outside"}],
    )
    page = user_client.get(f"/accounts/{north.account.pk}/expectations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Late in March" in html
    assert "Partner courier" in html
    assert "Not met" in html
    for i in range(5):  # more expectations and reviews do not add queries
        extra = Expectation.objects.create(
            account=north.account, description=f"E{i}", source="survey"
        )
        services.record_review(
            actor=world.user,
            expectation=extra,
            fields={"outcome": "partly_met", "evidence": "so-so", "reasons_given": "r"},
            alternatives=[{"description": f"A{i}"}],
        )
    with django_assert_max_num_queries(16):
        user_client.get(f"/accounts/{north.account.pk}/expectations/")
    team_page = user_client.get("/expectations/")
    assert team_page.status_code == 200
    assert "Strike" in team_page.content.decode()
    with django_assert_max_num_queries(14):
        user_client.get("/expectations/")
    assert user_client.get("/expectations/?days=0").status_code == 400


def test_review_form_posts_a_review_with_an_alternative(user_client, world, north):
    answer = user_client.post(
        f"/expectations/{north.expectation.pk}/review/",
        {
            "outcome": "not_met",
            "evidence": "Late",
            "reviewed_on": TODAY().isoformat(),
            "reasons_given": "Carrier",
            "agreed_outcome": "",
            "alt-description": "Courier partner",
            "alt-provider": "outside",
            "alt-currency": "GBP",
            "alt-cost_to_us": "100",
        },
    )
    assert answer.status_code == 302
    review = ExpectationReview.objects.get()
    assert review.alternatives.get().cost_to_us == Decimal("100")
    bad = user_client.post(
        f"/expectations/{north.expectation.pk}/review/",
        {"outcome": "not_met", "evidence": "Late", "reviewed_on": TODAY().isoformat()},
    )
    assert bad.status_code == 400
    assert "reasons told to the customer" in bad.content.decode()
