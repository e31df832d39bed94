"""The monitoring pages: each renders, read-only roles see no edit control, the customer page
shows no internal field, the editor's HTMX forms write through the services, queries bounded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from freezegun import freeze_time

from rapport.core.models import Role
from rapport.monitoring.models import PlanMethod, PlanStatus, ScheduledActivity
from tests.factories import MembershipFactory, UserFactory
from tests.monitoring.builders import agree, draft_plan


@pytest.fixture
def agreed(world):
    with freeze_time("2026-11-10 12:00:00"):
        version = agree(world, draft_plan(world), at=datetime(2026, 9, 20, 12, tzinfo=UTC))
    return version


def _pages(world, version) -> list[str]:
    plan = version.plan
    return [
        f"/accounts/{world.account.pk}/plan/",
        f"/accounts/{world.account.pk}/plan/calendar/",
        f"/accounts/{world.account.pk}/plan/calendar/?month=2026-10",
        f"/plan-versions/{version.pk}/",
        f"/plan-versions/{version.pk}/customer/",
        f"/plans/{plan.pk}/versions/",
        f"/plans/{plan.pk}/change-requests/",
        "/monitoring/",
        "/monitoring/methods/",
        "/monitoring/templates/",
    ]


def test_every_page_renders(world, agreed, user_client):
    for url in _pages(world, agreed):
        answer = user_client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)


def test_other_teams_get_404(world, agreed):
    client = Client()
    client.force_login(world.other_user)
    for url in _pages(world, agreed)[:7]:
        assert client.get(url).status_code == 404, url


def test_the_customer_page_has_no_internal_field(world, agreed, user_client):
    full = user_client.get(f"/plan-versions/{agreed.pk}/").content.decode()
    assert "SECRET-NOTE" in full
    assert "987,654" in full
    text = user_client.get(f"/plan-versions/{agreed.pk}/customer/").content.decode()
    assert "Keep the sponsor" in text
    for internal in ("SECRET-NOTE", "987,654", "987654", "12.5", "Internal", "margin", "Cost"):
        assert internal not in text, internal


def test_a_read_only_member_sees_no_edit_control(world, agreed):
    agent = UserFactory(username="reader")
    MembershipFactory(user=agent, team=world.team, role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    plan_page = client.get(f"/accounts/{world.account.pk}/plan/").content.decode()
    assert "Start a new version" not in plan_page
    calendar = client.get(f"/accounts/{world.account.pk}/plan/calendar/?month=2026-10")
    assert "Mark done" not in calendar.content.decode()
    requests = client.get(f"/plans/{agreed.plan.pk}/change-requests/").content.decode()
    assert "Record a request" not in requests


def test_the_editor_adds_a_method_through_htmx(world, agreed, user_client):
    answer = user_client.post(f"/plans/{agreed.plan.pk}/new-version/")
    draft = agreed.plan.versions.get(status=PlanStatus.DRAFT)
    assert answer.url == f"/plan-versions/{draft.pk}/"
    page = user_client.get(f"/plan-versions/{draft.pk}/").content.decode()
    assert "Save the draft" in page
    form = user_client.get(
        f"/plan-versions/{draft.pk}/methods/add/", headers={"HX-Request": "true"}
    )
    assert form.status_code == 200
    assert 'id="methods-section"' in form.content.decode()
    bad = user_client.post(
        f"/plan-versions/{draft.pk}/methods/add/",
        {"kind": "qa_sampling", "recurrence": "FREQ=HOURLY", "due_time": "09:00",
         "on_time_days": 3, "cost": "0", "currency": "GBP"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "daily, weekly, monthly or yearly" in bad.content.decode()
    good = user_client.post(
        f"/plan-versions/{draft.pk}/methods/add/",
        {"kind": "qa_sampling", "title": "QA sample of calls", "recurrence": "FREQ=WEEKLY;BYDAY=FR",
         "due_time": "09:00", "on_time_days": 3, "cost": "40", "currency": "GBP",
         "owner": world.user.pk, "formal": "on"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert good.status_code == 200, good.content.decode()[:500]
    assert "every week on Friday" in good.content.decode()
    assert PlanMethod.objects.get(version=draft, kind="qa_sampling").owner == world.user


def test_sign_off_through_the_page(world, agreed, user_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user_client.post(f"/plans/{agreed.plan.pk}/new-version/")
    draft = agreed.plan.versions.get(status=PlanStatus.DRAFT)
    user_client.post(f"/plan-versions/{draft.pk}/propose/")
    contact = agreed.agreed_with
    answer = user_client.post(
        f"/plan-versions/{draft.pk}/agree/",
        {"agreed_with": contact.pk, "evidence": SimpleUploadedFile("minutes.pdf", b"%PDF-1.4")},
    )
    assert answer.status_code == 302, answer.content.decode()[:800]
    draft.refresh_from_db()
    agreed.refresh_from_db()
    assert (draft.status, agreed.status) == (PlanStatus.AGREED, PlanStatus.SUPERSEDED)


@freeze_time("2026-11-10 12:00:00")
def test_marking_done_from_the_calendar(world, agreed, user_client):
    activity = ScheduledActivity.objects.filter(status="due").order_by("due_at").first()
    answer = user_client.post(f"/activities/{activity.pk}/done/", {"note": "Held"})
    assert answer.status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.note) == ("done", "Held")


def test_pages_make_a_bounded_number_of_queries(
    world, agreed, user_client, django_assert_max_num_queries
):
    for url, most in (
        (f"/accounts/{world.account.pk}/plan/", 30),
        (f"/plan-versions/{agreed.pk}/", 35),
        (f"/accounts/{world.account.pk}/plan/calendar/?month=2026-10", 20),
        ("/monitoring/", 25),
        ("/monitoring/methods/", 20),
    ):
        with django_assert_max_num_queries(most):
            assert user_client.get(url).status_code == 200


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_methods_and_activities(world, agreed, user_client):
    from rapport.monitoring import services

    plan = agreed.plan
    draft = services.new_version(actor=world.user, plan=plan)
    urls = [
        f"/accounts/{world.account.pk}/plan/",
        f"/plan-versions/{draft.pk}/",
        f"/plan-versions/{draft.pk}/customer/",
        f"/plans/{plan.pk}/versions/",
        f"/accounts/{world.account.pk}/plan/calendar/?month=2026-12",
        "/monitoring/",
        "/monitoring/methods/",
    ]
    before = {url: _queries(user_client, url) for url in urls}
    for kind in ("qa_sampling", "staff_feedback", "informal_contact"):
        services.add_item(
            actor=world.user,
            version=draft,
            model=PlanMethod,
            data={"kind": kind, "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE,FR", "owner": world.user,
                  "customer_contacts": [agreed.agreed_with]},
        )  # fmt: skip
    services.propose(actor=world.user, version=draft)
    services.agree(
        actor=world.user, version=draft, agreed_with=agreed.agreed_with, evidence_reference="x"
    )
    assert ScheduledActivity.objects.count() > 100
    after = {url: _queries(user_client, url) for url in urls}
    grown = {url: (before[url], n) for url, n in after.items() if n > before[url]}
    assert not grown, grown


def test_the_plan_follows_its_account_to_another_team(world, agreed):
    from rapport.customers import services as customer_services
    from rapport.customers.models import Account

    account = Account.objects.get(pk=world.account.pk)
    customer_services.update_account(
        actor=world.admin, account=account, changes={"team_id": world.other_team.pk}
    )
    agreed.plan.refresh_from_db()
    assert agreed.plan.team_id == world.other_team.pk
    assert set(ScheduledActivity.objects.values_list("team_id", flat=True)) == {world.other_team.pk}


@freeze_time("2026-11-10 12:00:00")
def test_the_navigation_counts_ones_own_overdue_activities(world, agreed, user_client):
    from rapport.monitoring.registrations import overdue_count

    request = type("Request", (), {"user": world.user})()
    overdue = ScheduledActivity.objects.filter(
        owner=world.user, status="due", late_after__lte=datetime(2026, 11, 10, 12, tzinfo=UTC)
    ).count()
    assert overdue > 0
    assert overdue_count(request) == overdue
    page = user_client.get("/monitoring/").content.decode()
    assert f'Monitoring <span class="nav-count">{overdue}<' in page
