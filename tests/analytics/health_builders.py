"""Builders for health tests: an account whose every component is known by hand."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rapport.analytics.models import AccountSnapshot
from rapport.customers.models import CommitmentStatus, DecisionRole, Stance
from tests.factories import CommitmentFactory, ContactFactory


def nps_sums(n: int, promoters: int, detractors: int) -> dict:
    return {
        "n": n,
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
        "top2": promoters,
        "total": 0,
        "total_sq": 0,
    }


def csat_sums(n: int, top2: int) -> dict:
    return {"n": n, "top2": top2, "total": 0, "total_sq": 0, "promoters": 0, "passives": 0,
            "detractors": 0}  # fmt: skip


def snapshot(account, metric: str, current: dict, previous: dict) -> None:
    AccountSnapshot.objects.update_or_create(
        account=account,
        metric=metric,
        defaults={"as_of": timezone.localdate(), "current": current, "previous": previous},
    )


def days_ago(days: int) -> dt.datetime:
    """This time of day, `days` local calendar days ago. Subtracting days from now instead
    crosses a DST change near midnight and lands on the neighbouring local date."""
    now = timezone.localtime()
    day = now.date() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, now.time().replace(tzinfo=None)))


def known_account(account) -> None:
    """Feedback level 68.75, trend 75, coverage 50, commitments 75, engagement 80/106·100.

    NPS 25 (20 promoters, 10 detractors of 40) → 62.5; CSAT 30 of 40 = 75 %; both flat.
    Two decision makers and two influencers, one of each reached in 90 days.
    Three commitments kept and one broken in 12 months (one broken 400 days ago is out).
    Last communication 40 days ago. Last decision-maker contact 10 days ago.
    """
    snapshot(account, "nps", nps_sums(40, 20, 10), nps_sums(40, 20, 10))
    snapshot(account, "csat", csat_sums(40, 30), csat_sums(40, 30))
    dm = DecisionRole.DECISION_MAKER
    ContactFactory(account=account, name="Dana Reached", decision_role=dm,
                   last_contacted_at=days_ago(10))  # fmt: skip
    ContactFactory(account=account, name="Dev Silent", decision_role=dm,
                   last_contacted_at=days_ago(100))  # fmt: skip
    ContactFactory(account=account, name="Ines Reached", decision_role=DecisionRole.INFLUENCER,
                   last_contacted_at=days_ago(30), stance=Stance.NEUTRAL)  # fmt: skip
    ContactFactory(account=account, name="Ivo Never", decision_role=DecisionRole.INFLUENCER,
                   last_contacted_at=None)  # fmt: skip
    ContactFactory(account=account, name="Uma User", decision_role=DecisionRole.USER,
                   last_contacted_at=None)  # fmt: skip
    today = timezone.localdate()
    for days in (10, 50, 300):
        CommitmentFactory(account=account, status=CommitmentStatus.KEPT,
                          closed_on=today - dt.timedelta(days=days),
                          due_date=today - dt.timedelta(days=days))  # fmt: skip
    CommitmentFactory(account=account, status=CommitmentStatus.BROKEN, description="Fix invoices",
                      closed_on=today - dt.timedelta(days=20),
                      due_date=today - dt.timedelta(days=25))  # fmt: skip
    CommitmentFactory(account=account, status=CommitmentStatus.BROKEN,
                      closed_on=today - dt.timedelta(days=400),
                      due_date=today - dt.timedelta(days=400))  # fmt: skip
    account.last_contact_at = days_ago(40)
    account.last_decision_maker_contact_at = days_ago(10)
    account.save()
