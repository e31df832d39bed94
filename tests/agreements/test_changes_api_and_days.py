"""Agreement changes through the API (ids resolved within the account), and the incident's
start day taken in the organisation's time zone across the clocks going back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rapport.agreements import selectors, services
from rapport.agreements.models import AgreementChange
from rapport.analytics.rollups.services import rebuild_rollups
from rapport.customers.models import Expectation
from tests.factories import ResponseFactory

JSON = "application/json"
LONDON = ZoneInfo("Europe/London")


def test_agreement_change_through_the_api(smtp_server, api_client, world, north):
    foreign = Expectation.objects.create(
        account=world.other_account, description="Theirs", source="survey"
    )
    body = {
        "subject": "expectation",
        "expectation": foreign.pk,
        "what_changed": "Report day",
        "before": "3rd",
        "after": "5th",
        "effective_on": "2030-01-01",
        "contacts": [north.dm.pk],
    }
    refused = api_client.post(
        f"/api/v1/accounts/{north.account.pk}/agreement-changes", body, content_type=JSON
    )
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("expectation:")
    south_contact = api_client.post(
        f"/api/v1/accounts/{north.account.pk}/agreement-changes",
        {**body, "expectation": north.expectation.pk, "contacts": [9999]},
        content_type=JSON,
    )
    assert south_contact.status_code == 422
    assert not AgreementChange.objects.exists()
    made = api_client.post(
        f"/api/v1/accounts/{north.account.pk}/agreement-changes",
        {**body, "expectation": north.expectation.pk},
        content_type=JSON,
    )
    assert made.status_code == 201
    change = made.json()
    assert change["communication"] is not None
    assert [n["status"] for n in change["notices"]] == ["queued"]
    listed = api_client.get("/api/v1/agreement-changes", {"account": north.account.pk}).json()
    assert [c["id"] for c in listed["items"]] == [change["id"]]


@pytest.mark.parametrize(
    ("started_utc", "local_day"),
    [
        # 00:30 on 25 October 2026 in London is still summer time (BST, UTC+1): the day is the
        # 25th there although it is the 24th in UTC.
        (dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC), dt.date(2026, 10, 25)),
        # After the clocks went back (GMT), 23:30 UTC is 23:30 local: the same day.
        (dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC), dt.date(2026, 10, 25)),
    ],
)
def test_the_start_day_is_local(world, north, started_utc, local_day):
    incident = services.create_incident(
        actor=world.user,
        team=world.team,
        fields={
            "title": "Night outage",
            "kind": "outage",
            "description": "x",
            "started_at": started_utc,
        },
        account_ids=[north.account.pk],
    )
    # One promoter on the local start day, one detractor the local day before.
    ResponseFactory(
        account=north.account,
        nps=10,
        csat=None,
        submitted_at=dt.datetime.combine(local_day, dt.time(12), tzinfo=LONDON),
    )
    ResponseFactory(
        account=north.account,
        nps=0,
        csat=None,
        submitted_at=dt.datetime.combine(
            local_day - dt.timedelta(days=1), dt.time(12), tzinfo=LONDON
        ),
    )
    rebuild_rollups()
    effect = selectors.incident_effect(incident=incident, metric="nps", weeks=1)
    assert effect.start == local_day
    assert (effect.overall.before.n, effect.overall.before.value) == (1, -100.0)
    assert (effect.overall.after.n, effect.overall.after.value) == (1, 100.0)


def test_a_plan_change_names_a_version_of_the_accounts_plan(world, north):
    from django.core.exceptions import ValidationError

    from rapport.monitoring.models import MonitoringPlan, PlanVersion

    ours = PlanVersion.objects.create(
        plan=MonitoringPlan.objects.create(account=north.account, team=world.team), number=2
    )
    theirs = PlanVersion.objects.create(
        plan=MonitoringPlan.objects.create(account=world.other_account, team=world.other_team),
        number=1,
    )
    fields = {
        "subject": "plan",
        "what_changed": "Quarterly review becomes monthly",
        "after": "Monthly service review",
        "effective_on": dt.date(2030, 1, 1),
    }
    with pytest.raises(ValidationError) as refused:
        services.record_agreement_change(
            actor=world.user,
            account=north.account,
            fields={**fields, "plan_version": theirs},
            contacts=[north.influencer],
        )
    assert "plan_version" in refused.value.message_dict
    change = services.record_agreement_change(
        actor=world.user,
        account=north.account,
        fields={**fields, "plan_version": ours},
        contacts=[north.influencer],
    )
    assert AgreementChange.objects.get(pk=change.pk).plan_version == ours
