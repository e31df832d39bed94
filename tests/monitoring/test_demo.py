"""The sample data shows a live plan: agreed plans for the key accounts, an older version
superseded with the change request it took in, a draft under way, activities due, overdue,
done on time and late."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from rapport.customers.models import Account, Tier
from rapport.monitoring import selectors
from rapport.monitoring.models import (
    ActivityStatus,
    ChangeRequestStatus,
    PlanChangeRequest,
    PlanStatus,
    PlanTemplate,
    PlanVersion,
    ScheduledActivity,
)
from rapport.sampledata.load import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_live_plans():
    load_demo(seed=7, stdout=io.StringIO(), scale=0.05)
    assert set(PlanTemplate.objects.values_list("tier", flat=True)) == set(Tier.values)
    key_accounts = Account.objects.filter(tier__in=[Tier.STRATEGIC, Tier.KEY])
    for account in key_accounts:
        assert selectors.agreed_version(account=account) is not None, account
    assert PlanVersion.objects.filter(status=PlanStatus.SUPERSEDED).exists()
    cited = PlanChangeRequest.objects.filter(status=ChangeRequestStatus.AGREED)
    assert cited.exists()
    assert all(c.version.status == PlanStatus.AGREED for c in cited)
    assert PlanVersion.objects.filter(status=PlanStatus.DRAFT).count() == 1
    assert PlanChangeRequest.objects.filter(status=ChangeRequestStatus.OPEN).exists()
    now = timezone.now()
    activities = ScheduledActivity.objects.all()
    assert activities.filter(status=ActivityStatus.DONE, done_on_time=True).exists()
    assert activities.filter(status=ActivityStatus.DONE, done_on_time=False).exists()
    assert activities.filter(status=ActivityStatus.DUE, late_after__lte=now).exists()  # overdue
    assert activities.filter(status=ActivityStatus.DUE, due_at__gt=now).exists()
    adherence = selectors.adherence(
        accounts=key_accounts,
        start=timezone.localdate() - timezone.timedelta(days=89),
        end=timezone.localdate(),
    )
    assert 0.6 < adherence.share < 0.9
