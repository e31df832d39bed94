"""The demo shows a live relationship on agreements' pages: reviews of every outcome with
alternatives and choices, work due for review, a change told to its contacts, and the billing
incident with notices of every kind, alternatives, choices and its effect."""

from __future__ import annotations

import io

from rapport.agreements import selectors
from rapport.agreements.models import (
    AgreementChange,
    Alternative,
    ExpectationReview,
    Incident,
    NoticeStatus,
)
from rapport.core.models import User
from rapport.customers.models import Account
from rapport.notifications.models import EmailDelivery
from rapport.sampledata.load import load_demo
from rapport.sampledata.plan import DEMO_USERNAME


def test_the_demo_has_agreements_to_show(db):
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    demo = User.objects.get(username=DEMO_USERNAME)
    outcomes = set(ExpectationReview.objects.values_list("outcome", flat=True))
    assert outcomes == {"met", "partly_met", "not_met"}
    assert Alternative.objects.filter(review__isnull=False, chosen=True).exists()
    assert Alternative.objects.filter(provider="outside").exists()
    assert selectors.team_unmet(demo).exists()
    assert selectors.review_schedule(demo).exists()
    assert AgreementChange.objects.filter(account__team__memberships__user=demo).exists()

    incident = Incident.objects.get()
    assert incident.ended_at is not None
    assert incident.affected.count() >= 2
    statuses = set(incident.notices.values_list("status", flat=True))
    assert {NoticeStatus.QUEUED, NoticeStatus.DONE, NoticeStatus.DUE} <= statuses
    assert Alternative.objects.filter(affected_account__incident=incident, chosen=True).exists()
    # History, not mail to send: every e-mail of the demo is marked sent.
    assert not EmailDelivery.objects.filter(status="queued").exists()
    assert selectors.incidents_for(demo).filter(pk=incident.pk).exists()
    effect = selectors.incident_effect(incident=incident, weeks=selectors.effect_weeks(incident))
    assert effect.overall.before.n > 0
    assert effect.overall.after.n > 0
    # The affected accounts are all the incident's team's.
    assert not Account.objects.filter(incidents__incident=incident).exclude(team=incident.team)
